"""The reporting ingest's CPU work alone on pickled messages, for `bench/reporting.py` — in a tree of
this repository given as the working directory (this one, or an earlier commit's exported by `git
archive`), so the code before a change and after it run on the same messages in the same sitting.

    python bench/_ingest_cpu.py MESSAGES.pickle BATCH   (cwd: the tree to measure)

Loads the messages, prints "ready", then for each line read on standard input runs one pass over all
of them and prints its events per CPU-second; ends at the end of its input. The caller keeps one such
process per tree and asks them in turns, so each pass of one tree runs next to a pass of the other on
the same cores (their speed drifts on a shared machine). Both trees offer `RawMessage(topic,
partition, offset, key, value, headers)` and `service_layer.ingest.prepare(messages)`.
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
    path, batch = sys.argv[1], int(sys.argv[2])
    with open(path, "rb") as f:
        messages = [RawMessage(*fields) for fields in pickle.load(f)]
    tune_gc_for_throughput()  # as the worker and the replay do
    print("ready", flush=True)
    for _ in sys.stdin:
        c0 = time.thread_time()
        for i in range(0, len(messages), batch):
            prepared = prepare(messages[i:i + batch])
            if prepared.rejected:
                raise SystemExit(f"{len(prepared.rejected)} messages rejected: {prepared.rejected[0][1]}")
        print(len(messages) / (time.thread_time() - c0), flush=True)


if __name__ == "__main__":
    main()
