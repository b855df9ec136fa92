"""How long a person waits between an answer and the next prompt in
``skal label``, on a large CSV of texts.

Generates a CSV of texts (100 MB by default; deterministic), then runs
:func:`skal.csv_labeling.label_csv` (what ``skal label`` runs, with its
defaults: batch size 1, the margin learner, TF-IDF + logistic regression)
with a terminal oracle whose "person" reads each sample for ``--think``
seconds and answers by a rule, in a fresh process per contestant, one after
the other:

- ``sync``: retraining after each answer, as before (``background=False``);
- ``background``: retraining in the background, the next prompts served
  from the queue of already-ranked samples (``background=True``, the
  default of ``skal label``).

For each it prints the time to the first prompt (reading the CSV, the first
fit and query), the latency of every later prompt (from the answer to the
next prompt: journal commit, the engine's step and, for ``sync``, the refit
and the query over the whole pool), how many prompts said the ranking came
from an older model, and the peak resident memory of the process.

Run::

    python benchmarks/label_latency.py              # 100 MB, 12 answers each
    python benchmarks/label_latency.py --mb 10 --answers 30
"""

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time

import numpy as np

WORDS = 5000


def make_csv(path, megabytes, seed=0):
    """Texts of 20-40 words from a fixed vocabulary; the class is whether
    the text has more words from the first half of the vocabulary."""
    rng = np.random.default_rng(seed)
    vocab = [f"w{i:04d}" for i in range(WORDS)]
    target = megabytes * 1_000_000
    written = 0
    with open(path, "w", encoding="utf-8") as handle:
        handle.write("id,text\n")
        row = 0
        while written < target:
            lengths = rng.integers(20, 41, size=10_000)
            words = rng.integers(0, WORDS, size=int(lengths.sum()))
            start = 0
            lines = []
            for n in lengths:
                lines.append(
                    f"{row}," + " ".join(vocab[w] for w in words[start : start + n])
                )
                start += n
                row += 1
            block = "\n".join(lines) + "\n"
            handle.write(block)
            written += len(block)
    return row


def truth(text):
    ids = [int(w[1:]) for w in text.split()]
    return "low" if sum(i < WORDS // 2 for i in ids) * 2 >= len(ids) else "high"


def contestant(csv_path, journal, answers, background, think):
    """One labeling session; prints a JSON line of its measurements."""
    from skal.csv_labeling import label_csv
    from skal.oracles import STOP
    from skal.terminal import TerminalOracle

    t0 = time.perf_counter()
    marks = {"prompts": [], "answers": [], "behind": []}
    shown = {}

    def render(sample):
        shown["text"] = sample
        return sample[:60]

    def read(prompt):
        marks["prompts"].append(time.perf_counter())
        if len(marks["answers"]) >= answers:
            return "q"
        time.sleep(think)  # the person reads the sample
        marks["answers"].append(time.perf_counter())
        return "1" if truth(shown["text"]) == "low" else "2"

    class Timed(TerminalOracle):
        def inform(self, info):
            marks["behind"].append(info["behind"])
            super().inform(info)

    oracle = Timed(["low", "high"], input=read, print=lambda *a: None, render=render)
    loop = label_csv(
        csv_path,
        ["low", "high"],
        text_column="text",
        journal=journal,
        oracle=oracle,
        random_state=0,
        verbose=0,
        background=background,
    )
    end = time.perf_counter()
    prompts, given = marks["prompts"], marks["answers"]
    latency = [p - a for a, p in zip(given, prompts[1:], strict=False)]
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(
        json.dumps(
            {
                "first_prompt_s": prompts[0] - t0,
                "latency_s": latency,
                "behind": marks["behind"],
                "n_bought": loop.n_bought_,
                "stopped": loop.stop_reason_,
                "end_s": end - prompts[-1],
                "peak_mb": peak,
                "stop": str(STOP),
            }
        )
    )


def summary(name, result):
    lat = np.array(result["latency_s"])
    behind = sum(b > 0 for b in result["behind"])
    return (
        f"{name:>10}  first prompt {result['first_prompt_s']:6.1f} s   "
        f"answer->prompt median {np.median(lat):7.3f} s  p90 "
        f"{np.quantile(lat, 0.9):7.3f} s  max {lat.max():7.3f} s   "
        f"over 0.5 s: {int((lat > 0.5).sum())}/{lat.size}   "
        f"stale ranking: {behind}/{len(result['behind'])}   "
        f"quit {result['end_s']:5.1f} s   peak {result['peak_mb']:6.0f} MB"
    )


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--mb", type=int, default=100, help="CSV size (100)")
    parser.add_argument("--answers", type=int, default=12, help="answers each (12)")
    parser.add_argument(
        "--think", type=float, default=1.0, help="seconds the person reads (1.0)"
    )
    parser.add_argument("--keep", help="folder for the CSV (a temporary one if unset)")
    parser.add_argument("--run", nargs=5, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.run:
        csv_path, journal, answers, mode, think = args.run
        contestant(csv_path, journal, int(answers), mode == "background", float(think))
        return
    folder = args.keep or tempfile.mkdtemp(prefix="skal-latency-")
    csv_path = os.path.join(folder, f"texts-{args.mb}mb.csv")
    if not os.path.exists(csv_path):
        rows = make_csv(csv_path, args.mb)
    else:
        with open(csv_path, encoding="utf-8") as handle:
            rows = sum(1 for _ in handle) - 1
    size = os.path.getsize(csv_path) / 1e6
    print(
        f"CSV: {csv_path}: {rows} rows, {size:.0f} MB; {args.answers} answers each, "
        f"{args.think} s to read each sample"
    )
    print(
        f"python {sys.version.split()[0]}, {os.cpu_count()} cores, "
        f"load {os.getloadavg()[0]:.2f}, {time.strftime('%Y-%m-%d %H:%M')}"
    )
    for mode in ("sync", "background"):
        journal = os.path.join(folder, f"{mode}.journal.sqlite")
        for suffix in ("", "-wal", "-shm", ".lock"):
            if os.path.exists(journal + suffix):
                os.remove(journal + suffix)
        done = subprocess.run(
            [
                sys.executable,
                __file__,
                "--run",
                csv_path,
                journal,
                str(args.answers),
                mode,
                str(args.think),
            ],
            capture_output=True,
            text=True,
            check=False,
        )
        if done.returncode:
            print(done.stdout, done.stderr)
            raise SystemExit(f"{mode} failed")
        result = json.loads(done.stdout.strip().splitlines()[-1])
        print(summary(mode, result))
        print(
            f"{'':>10}  latencies: {' '.join(f'{x:.2f}' for x in result['latency_s'])}"
        )


if __name__ == "__main__":
    main()
