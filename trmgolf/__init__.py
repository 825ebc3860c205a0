"""trmgolf: compile tiny networks into the cheapest exact NeuroGolf ONNX graphs."""

__version__ = "0.1.0"
