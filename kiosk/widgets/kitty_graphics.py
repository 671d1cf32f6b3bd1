"""Provides the Kitty terminal graphics protocol encoder for live pictures, and protocol detection.

A picture is sent in memory, as APC escape sequences (`ESC _ G <keys> ; <base64> ST`): RGB
pixels (`f=24`), zlib-compressed (`o=z`), in base64 chunks of at most 4096 bytes (`m=1` on all but
the last), with a virtual placement for Unicode placeholders (`a=T,U=1,c=<cols>,r=<rows>`). Sending
a new picture under the same image id replaces the old one, so a live preview keeps one image in
the terminal. The screen then draws placeholder cells: U+10EEEE followed by the row and column
diacritics, in a foreground colour that encodes the image id (24 bits). Nothing is written to a
file: the protocol's file and shared-memory transmissions (`t=f|t|s`) are never used.

Spec: https://sw.kovidgoyal.net/kitty/graphics-protocol/ (the diacritics are its
`rowcolumn-diacritics.txt`). Terminals known to support placeholders: kitty, WezTerm, ghostty.
Pure: no Textual import, no I/O.
"""

from __future__ import annotations

import base64
import zlib
from collections.abc import Mapping
from typing import Final, Literal

import numpy as np
import numpy.typing as npt

ImageProtocol = Literal["kitty", "halfblock"]
APC_START: Final = "\x1b_G"
APC_END: Final = "\x1b\\"
CHUNK_BYTES: Final = 4096
PLACEHOLDER: Final = "\U0010eeee"
MAX_IMAGE_ID: Final = 2**24 - 1
ZLIB_LEVEL: Final = 1  # a live frame: speed over size
PROTOCOL_ENV: Final = "AISLE_KIOSK_IMAGES"
KITTY_TERMINALS: Final = frozenset({"WezTerm", "ghostty"})
# fmt: off
DIACRITICS: Final = tuple(chr(code) for code in (
    0x00305, 0x0030D, 0x0030E, 0x00310, 0x00312, 0x0033D, 0x0033E, 0x0033F, 0x00346, 0x0034A,
    0x0034B, 0x0034C, 0x00350, 0x00351, 0x00352, 0x00357, 0x0035B, 0x00363, 0x00364, 0x00365,
    0x00366, 0x00367, 0x00368, 0x00369, 0x0036A, 0x0036B, 0x0036C, 0x0036D, 0x0036E, 0x0036F,
    0x00483, 0x00484, 0x00485, 0x00486, 0x00487, 0x00592, 0x00593, 0x00594, 0x00595, 0x00597,
    0x00598, 0x00599, 0x0059C, 0x0059D, 0x0059E, 0x0059F, 0x005A0, 0x005A1, 0x005A8, 0x005A9,
    0x005AB, 0x005AC, 0x005AF, 0x005C4, 0x00610, 0x00611, 0x00612, 0x00613, 0x00614, 0x00615,
    0x00616, 0x00617, 0x00657, 0x00658, 0x00659, 0x0065A, 0x0065B, 0x0065D, 0x0065E, 0x006D6,
    0x006D7, 0x006D8, 0x006D9, 0x006DA, 0x006DB, 0x006DC, 0x006DF, 0x006E0, 0x006E1, 0x006E2,
    0x006E4, 0x006E7, 0x006E8, 0x006EB, 0x006EC, 0x00730, 0x00732, 0x00733, 0x00735, 0x00736,
    0x0073A, 0x0073D, 0x0073F, 0x00740, 0x00741, 0x00743, 0x00745, 0x00747, 0x00749, 0x0074A,
    0x007EB, 0x007EC, 0x007ED, 0x007EE, 0x007EF, 0x007F0, 0x007F1, 0x007F3, 0x00816, 0x00817,
    0x00818, 0x00819, 0x0081B, 0x0081C, 0x0081D, 0x0081E, 0x0081F, 0x00820, 0x00821, 0x00822,
    0x00823, 0x00825, 0x00826, 0x00827, 0x00829, 0x0082A, 0x0082B, 0x0082C, 0x0082D, 0x00951,
    0x00953, 0x00954, 0x00F82, 0x00F83, 0x00F86, 0x00F87, 0x0135D, 0x0135E, 0x0135F, 0x017DD,
    0x0193A, 0x01A17, 0x01A75, 0x01A76, 0x01A77, 0x01A78, 0x01A79, 0x01A7A, 0x01A7B, 0x01A7C,
    0x01B6B, 0x01B6D, 0x01B6E, 0x01B6F, 0x01B70, 0x01B71, 0x01B72, 0x01B73, 0x01CD0, 0x01CD1,
    0x01CD2, 0x01CDA, 0x01CDB, 0x01CE0, 0x01DC0, 0x01DC1, 0x01DC3, 0x01DC4, 0x01DC5, 0x01DC6,
    0x01DC7, 0x01DC8, 0x01DC9, 0x01DCB, 0x01DCC, 0x01DD1, 0x01DD2, 0x01DD3, 0x01DD4, 0x01DD5,
    0x01DD6, 0x01DD7, 0x01DD8, 0x01DD9, 0x01DDA, 0x01DDB, 0x01DDC, 0x01DDD, 0x01DDE, 0x01DDF,
    0x01DE0, 0x01DE1, 0x01DE2, 0x01DE3, 0x01DE4, 0x01DE5, 0x01DE6, 0x01DFE, 0x020D0, 0x020D1,
    0x020D4, 0x020D5, 0x020D6, 0x020D7, 0x020DB, 0x020DC, 0x020E1, 0x020E7, 0x020E9, 0x020F0,
    0x02CEF, 0x02CF0, 0x02CF1, 0x02DE0, 0x02DE1, 0x02DE2, 0x02DE3, 0x02DE4, 0x02DE5, 0x02DE6,
    0x02DE7, 0x02DE8, 0x02DE9, 0x02DEA, 0x02DEB, 0x02DEC, 0x02DED, 0x02DEE, 0x02DEF, 0x02DF0,
    0x02DF1, 0x02DF2, 0x02DF3, 0x02DF4, 0x02DF5, 0x02DF6, 0x02DF7, 0x02DF8, 0x02DF9, 0x02DFA,
    0x02DFB, 0x02DFC, 0x02DFD, 0x02DFE, 0x02DFF, 0x0A66F, 0x0A67C, 0x0A67D, 0x0A6F0, 0x0A6F1,
    0x0A8E0, 0x0A8E1, 0x0A8E2, 0x0A8E3, 0x0A8E4, 0x0A8E5, 0x0A8E6, 0x0A8E7, 0x0A8E8, 0x0A8E9,
    0x0A8EA, 0x0A8EB, 0x0A8EC, 0x0A8ED, 0x0A8EE, 0x0A8EF, 0x0A8F0, 0x0A8F1, 0x0AAB0, 0x0AAB2,
    0x0AAB3, 0x0AAB7, 0x0AAB8, 0x0AABE, 0x0AABF, 0x0AAC1, 0x0FE20, 0x0FE21, 0x0FE22, 0x0FE23,
    0x0FE24, 0x0FE25, 0x0FE26, 0x10A0F, 0x10A38, 0x1D185, 0x1D186, 0x1D187, 0x1D188, 0x1D189,
    0x1D1AA, 0x1D1AB, 0x1D1AC, 0x1D1AD, 0x1D242, 0x1D243, 0x1D244,))
# fmt: on


def detect_protocol(environ: Mapping[str, str]) -> ImageProtocol:
    """The image protocol the terminal in `environ` supports: "kitty" or the "halfblock" fallback.

    `AISLE_KIOSK_IMAGES=kitty|halfblock` overrides the guess (made from TERM, KITTY_WINDOW_ID and
    TERM_PROGRAM, since Textual owns stdin and the terminal cannot be queried once it runs).
    """
    forced = environ.get(PROTOCOL_ENV, "").strip().lower()
    if forced in ("kitty", "halfblock"):
        return "kitty" if forced == "kitty" else "halfblock"
    if environ.get("TERM") == "xterm-kitty" or environ.get("KITTY_WINDOW_ID"):
        return "kitty"
    if environ.get("TERM_PROGRAM") in KITTY_TERMINALS:
        return "kitty"
    return "halfblock"


def _check_id(image_id: int) -> None:
    if not 1 <= image_id <= MAX_IMAGE_ID:
        raise ValueError(f"image_id must be in 1..{MAX_IMAGE_ID}, got {image_id}")


def transmit(image_id: int, pixels_rgb: npt.NDArray[np.uint8], *, cols: int, rows: int) -> str:
    """The escape sequences that send `pixels_rgb` as image `image_id`, placed over cols x rows.

    Args:
        image_id: 1..2^24-1; a picture already under this id is replaced.
        pixels_rgb: (H, W, 3) uint8 RGB.
        cols: terminal columns the picture spans (the terminal scales it to fit).
        rows: terminal rows it spans; both at most `len(DIACRITICS)`.

    Raises:
        ValueError: a bad id, image or placement size.
    """
    _check_id(image_id)
    if pixels_rgb.dtype != np.uint8 or pixels_rgb.ndim != 3 or pixels_rgb.shape[2] != 3:
        raise ValueError(f"pixels_rgb must be (h, w, 3) uint8, got {pixels_rgb.shape}")
    if not (1 <= cols <= len(DIACRITICS) and 1 <= rows <= len(DIACRITICS)):
        raise ValueError(f"cols and rows must be in 1..{len(DIACRITICS)}, got {cols}x{rows}")
    height, width = pixels_rgb.shape[:2]
    raw = np.ascontiguousarray(pixels_rgb).tobytes()
    data = base64.standard_b64encode(zlib.compress(raw, ZLIB_LEVEL)).decode("ascii")
    chunks = [data[i : i + CHUNK_BYTES] for i in range(0, len(data), CHUNK_BYTES)]
    keys = f"a=T,U=1,i={image_id},f=24,o=z,s={width},v={height},c={cols},r={rows},q=2"
    out = []
    for index, chunk in enumerate(chunks):
        more = int(index < len(chunks) - 1)
        head = f"{keys},m={more}" if index == 0 else f"m={more}"
        out.append(f"{APC_START}{head};{chunk}{APC_END}")
    return "".join(out)


def delete(image_id: int) -> str:
    """The escape sequence that frees image `image_id` (and its placements) in the terminal."""
    _check_id(image_id)
    return f"{APC_START}a=d,d=I,i={image_id},q=2{APC_END}"


def id_colour(image_id: int) -> tuple[int, int, int]:
    """The 24-bit foreground colour that names image `image_id` in placeholder cells."""
    _check_id(image_id)
    return (image_id >> 16) & 0xFF, (image_id >> 8) & 0xFF, image_id & 0xFF


def placeholder_row(row: int, cols: int) -> str:
    """Row `row` of a placement `cols` wide: each cell U+10EEEE + row and column diacritics."""
    if not (0 <= row < len(DIACRITICS) and 1 <= cols <= len(DIACRITICS)):
        raise ValueError(f"row {row} or cols {cols} outside 0..{len(DIACRITICS)}")
    mark = DIACRITICS[row]
    return "".join(PLACEHOLDER + mark + DIACRITICS[col] for col in range(cols))
