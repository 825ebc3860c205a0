"""``trmgolf solve``: route -> build -> compile -> verify each task, keep the cheapest exact network.

``runner.run_solve`` drives a run; ``worker.solve_job`` solves one task; ``results``,
``report`` and ``bundle`` are the per-task records, the score table and the zip.
"""
