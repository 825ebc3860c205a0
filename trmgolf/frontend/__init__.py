"""Front ends: turn a trained model into trmgolf IR (``trm``: TRM checkpoints), and the
``compile`` command that takes it to a verified NeuroGolf network (``compile``, ``commands``)."""
