"""Provides the model adapters: onnxruntime sessions and pure pre/post-processing."""
