# aisle: one command runs the store (`make demo`), one runs the tests (`make test`).
# Both create .venv, install the project and, when run as root on Debian/Ubuntu, the system
# packages it needs (mosquitto, libzbar0, chromium). As a normal user they say what to install.

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
SYSTEM_PACKAGES := mosquitto libzbar0 chromium chromium-driver

.PHONY: demo test setup system-deps lint check clean help

help:
	@echo "make demo   set up and run the demo store (aisle store up)"
	@echo "make test   set up and run the checks and the test suite"
	@echo "make setup  only create .venv and install everything"

system-deps:
	@missing=""; \
	command -v mosquitto >/dev/null 2>&1 || [ -x /usr/sbin/mosquitto ] || missing="$$missing mosquitto"; \
	ldconfig -p 2>/dev/null | grep -q libzbar.so.0 || missing="$$missing libzbar0"; \
	command -v chromium >/dev/null 2>&1 || missing="$$missing chromium chromium-driver"; \
	if [ -z "$$missing" ]; then exit 0; fi; \
	if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
		echo "installing system packages:$$missing"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $(SYSTEM_PACKAGES) >/dev/null; \
	else \
		echo "MISSING system packages:$$missing"; \
		echo "  Debian/Ubuntu: sudo apt-get install $(SYSTEM_PACKAGES)"; \
		echo "  Fedora: sudo dnf install mosquitto zbar chromium; macOS: brew install mosquitto zbar"; \
		echo "  (without mosquitto aisle falls back to the pure-pip amqtt broker and says so)"; \
	fi

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e '.[dev]'
	touch $(STAMP)

setup: system-deps $(STAMP)

demo: setup
	$(BIN)/aisle store up

lint: setup
	$(BIN)/ruff format --check aisle contracts edge hub kiosk central tools tests
	$(BIN)/ruff check aisle contracts edge hub kiosk central tools tests
	$(BIN)/mypy
	$(BIN)/lint-imports

test: lint
	$(BIN)/pytest

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache var .aisle
