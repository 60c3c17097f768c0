#!/usr/bin/env python3
"""Side by side: scikit-learn's BernoulliRBM and `glassbox rbm` on the same MNIST split.

Both train on the first 9,000 images of the MNIST test set (binarized at 0.5) with the same
hidden size, minibatch size, learning rate and number of epochs; both models are then
evaluated by *our* AIS (`glassbox rbm eval --logz ais`) on the 1,000 held-out images.

Usage (from the repository root, after `cargo build --release -p glassbox-cli`):

    python3 scripts/bench_sklearn_rbm.py --hidden 500 --epochs 10 --out /tmp/rbm-bench

scikit-learn is installed into a throwaway venv (default /tmp/sk-venv) unless
SK_PYTHON points to a Python that already has it; the script re-executes itself there.
"""
import argparse
import gzip
import json
import os
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


def ensure_sklearn(venv):
    try:
        import sklearn  # noqa: F401
        import numpy  # noqa: F401
        return
    except ImportError:
        pass
    py = os.environ.get("SK_PYTHON")
    if not py:
        venv = Path(venv)
        py = str(venv / "bin" / "python")
        if not Path(py).exists():
            subprocess.check_call([sys.executable, "-m", "venv", str(venv)])
            subprocess.check_call([py, "-m", "pip", "install", "-q", "scikit-learn", "numpy"])
    os.execv(py, [py, *sys.argv])


def mnist_dir():
    for d in [os.environ.get("GLASSBOX_MNIST"), REPO / "../shared/data/mnist", "/work/shared/data/mnist"]:
        if d and (Path(d) / "t10k-images-idx3-ubyte.gz").exists():
            return Path(d)
    sys.exit("MNIST not found; set GLASSBOX_MNIST")


def load_split(train, held_out):
    import numpy as np
    with gzip.open(mnist_dir() / "t10k-images-idx3-ubyte.gz") as f:
        raw = np.frombuffer(f.read(), dtype=np.uint8, offset=16).reshape(-1, 784)
    x = (raw / 255.0 > 0.5).astype(np.float64)
    return x[:train], x[train:train + held_out]


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--hidden", type=int, default=500)
    ap.add_argument("--epochs", type=int, default=10)
    ap.add_argument("--batch-size", type=int, default=100)
    ap.add_argument("--lr", type=float, default=0.05)
    ap.add_argument("--ais-chains", type=int, default=100)
    ap.add_argument("--ais-steps", type=int, default=3000)
    ap.add_argument("--out", default="/tmp/rbm-bench")
    ap.add_argument("--venv", default="/tmp/sk-venv")
    ap.add_argument("--glassbox", default=str(Path(os.environ.get("CARGO_TARGET_DIR", REPO / "target")) / "release" / "glassbox"))
    a = ap.parse_args()
    ensure_sklearn(a.venv)
    import numpy as np
    import sklearn
    from sklearn.neural_network import BernoulliRBM

    out = Path(a.out)
    out.mkdir(parents=True, exist_ok=True)
    train, _ = load_split(9000, 1000)
    threads = os.environ.get("OMP_NUM_THREADS", "default")
    # scikit-learn: PCD-1 (its only method), no momentum, no weight decay.
    rbm = BernoulliRBM(n_components=a.hidden, learning_rate=a.lr, batch_size=a.batch_size,
                       n_iter=a.epochs, random_state=1, verbose=0)
    t = time.perf_counter()
    rbm.fit(train)
    sk_per_epoch = (time.perf_counter() - t) / a.epochs
    sk_model = out / "sklearn-model"
    sk_model.mkdir(exist_ok=True)
    np.save(sk_model / "W.npy", np.ascontiguousarray(rbm.components_.T))
    np.save(sk_model / "a.npy", rbm.intercept_visible_)
    np.save(sk_model / "b.npy", rbm.intercept_hidden_)

    gb = a.glassbox
    subprocess.check_call([gb, "rbm", "train", "--hidden", str(a.hidden), "--epochs", str(a.epochs),
                           "--batch-size", str(a.batch_size), "--lr", str(a.lr), "--momentum", "0.5",
                           "--no-monitor", "-o", str(out / "glassbox-train"), "--overwrite"])
    with open(out / "glassbox-train" / "results.csv") as f:
        table = [line.rstrip("\n").split(",") for line in f]
    col = table[0].index("seconds")
    gb_per_epoch = sum(float(r[col]) for r in table[1:]) / len(table[1:])

    results = {"sklearn_version": sklearn.__version__, "hidden": a.hidden, "epochs": a.epochs,
               "batch_size": a.batch_size, "lr": a.lr, "threads": threads,
               "sklearn_s_per_epoch": sk_per_epoch, "glassbox_s_per_epoch": gb_per_epoch}
    for name, model in [("sklearn", sk_model), ("glassbox", out / "glassbox-train")]:
        ev = out / f"eval-{name}"
        subprocess.check_call([gb, "rbm", "eval", "--model", str(model), "--logz", "ais",
                               "--ais-chains", str(a.ais_chains), "--ais-steps", str(a.ais_steps),
                               "-o", str(ev), "--overwrite"])
        r = json.loads((ev / "results.json").read_text())
        results[f"{name}_held_out_ll"] = r["held_out_ll"]
        results[f"{name}_train_ll"] = r["train_ll"]
        results[f"{name}_log_z_std_err"] = r["log_z_std_err"]
    (out / "bench.json").write_text(json.dumps(results, indent=2) + "\n")
    print(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
