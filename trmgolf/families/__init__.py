"""Rule families: one contract (``contract``) and one registry (``registry``) for the
analytical solvers and the structure search alike. See README "Adding a family"."""
