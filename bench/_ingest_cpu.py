"""The reporting ingest's CPU work alone on pickled messages, for `bench/reporting.py` — in a tree of
this repository given as the working directory (this one, or an earlier commit's exported by `git
archive`), so the code before a change and after it run on the same messages in the same sitting.

    python bench/_ingest_cpu.py MESSAGES.pickle BATCH PASSES   (cwd: the tree to measure)

Prints the events per CPU-second of the best pass. Both trees offer `RawMessage(topic, partition,
offset, key, value, headers)` and `service_layer.ingest.prepare(messages)`.
"""

import os
import pickle
import sys
import time

sys.path.insert(0, os.getcwd())

from minqing_kit.consumer import RawMessage  # from the tree in the working directory
from minqing_kit.runtime import tune_gc_for_throughput
from services.reporting.service_layer.ingest import prepare


def main() -> None:
    path, batch, passes = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    with open(path, "rb") as f:
        messages = [RawMessage(*fields) for fields in pickle.load(f)]
    tune_gc_for_throughput()  # as the worker and the replay do
    best = float("inf")
    for _ in range(passes):
        c0 = time.thread_time()
        for i in range(0, len(messages), batch):
            prepared = prepare(messages[i:i + batch])
            if prepared.rejected:
                raise SystemExit(f"{len(prepared.rejected)} messages rejected: {prepared.rejected[0][1]}")
        best = min(best, time.thread_time() - c0)
    print(len(messages) / best)


if __name__ == "__main__":
    main()
