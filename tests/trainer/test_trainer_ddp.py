"""The DistributedDataParallel path: two CPU processes with the gloo backend."""

from __future__ import annotations

import os
import socket

import pytest
import torch
import torch.distributed as dist
import torch.multiprocessing as mp

from trmgolf.trainer.runs import Overrides, train_tasks


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _worker(rank: int, world: int, port: int, data: str, out: str, results: str) -> None:
    os.environ.update(MASTER_ADDR="127.0.0.1", MASTER_PORT=str(port), RANK=str(rank),
                      WORLD_SIZE=str(world))
    torch.set_num_threads(1)
    dist.init_process_group("gloo", rank=rank, world_size=world)
    try:
        result = train_tasks([1], "tiny", out, data, Overrides(steps=8, batch_size=8),
                             progress=False)
        torch.save({"checksum": result["param_checksum"], "world": result["world"]},
                   f"{results}.{rank}")
    finally:
        dist.destroy_process_group()


@pytest.mark.slow
def test_two_process_gloo_training_keeps_replicas_identical(tmp_path):
    from trainer_synthetic import colour_map_task, write_tasks

    data = write_tasks(tmp_path / "tasks", {1: colour_map_task(0, n_gen=12)})
    out, results = tmp_path / "ddp.pt", tmp_path / "result"
    mp.spawn(_worker, args=(2, _free_port(), str(data), str(out), str(results)), nprocs=2)
    r0, r1 = (torch.load(f"{results}.{r}", weights_only=True) for r in (0, 1))
    assert r0["world"] == r1["world"] == 2
    assert r0["checksum"] == r1["checksum"]
    ckpt = torch.load(out, weights_only=True)
    assert ckpt["meta"]["step"] == 8
