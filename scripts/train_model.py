"""Train the Rasa model only when rasa_project/ changed since the last training.

The fingerprint is a SHA-256 over the files that shape the model (config, domain, training
data, our NLU components in pitlane_nlu/); it is stored beside the model. Test stories,
the held-out set, endpoints and credentials do not change
the model and are left out.
"""

from __future__ import annotations

import hashlib
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PROJECT = ROOT / "rasa_project"
MODEL_DIR = PROJECT / "models"
MODEL_NAME = "pitlane"
MODEL_FILE = MODEL_DIR / f"{MODEL_NAME}.tar.gz"
FINGERPRINT_FILE = MODEL_DIR / f"{MODEL_NAME}.fingerprint"
RASA = ROOT / ".venv-rasa" / "bin" / "rasa"


def model_inputs() -> list[Path]:
    """The files the model is trained from, in a stable order."""
    files = [PROJECT / "config.yml"]
    files += [PROJECT / "domain.yml"] if (PROJECT / "domain.yml").exists() else []
    for folder in ("domain", "data", "pitlane_nlu"):
        files += sorted(
            p for p in (PROJECT / folder).rglob("*") if p.is_file() and p.suffix != ".pyc"
        )
    return [f for f in files if f.exists()]


def fingerprint() -> str:
    digest = hashlib.sha256()
    for path in model_inputs():
        digest.update(str(path.relative_to(PROJECT)).encode())
        digest.update(b"\0")
        digest.update(path.read_bytes())
        digest.update(b"\0")
    return digest.hexdigest()


def is_up_to_date() -> bool:
    if not MODEL_FILE.exists() or not FINGERPRINT_FILE.exists():
        return False
    return FINGERPRINT_FILE.read_text().strip() == fingerprint()


def train() -> int:
    print("==> Training the Rasa model (about 5 minutes on 2 cores)...", flush=True)
    MODEL_DIR.mkdir(exist_ok=True)
    expected = fingerprint()
    command = [
        str(RASA),
        "train",
        "--fixed-model-name",
        MODEL_NAME,
        "--out",
        "models",
        "--config",
        "config.yml",
        "--data",
        "data",
        # `rasa data validate --fail-on-warnings` runs in the test suite (stricter than the
        # check `rasa train` makes first, which only warns)
        "--skip-validation",
    ]
    command += ["--domain", "domain.yml" if (PROJECT / "domain.yml").exists() else "domain"]
    result = subprocess.run(command, cwd=PROJECT)
    if result.returncode != 0 or not MODEL_FILE.exists():
        print("error: Rasa training failed (see the output above).", file=sys.stderr)
        return result.returncode or 1
    FINGERPRINT_FILE.write_text(expected + "\n")
    print(f"==> Model ready: {MODEL_FILE.relative_to(ROOT)}", flush=True)
    return 0


def main(argv: list[str]) -> int:
    if "--check" in argv:
        return 0 if is_up_to_date() else 1
    if is_up_to_date() and "--force" not in argv:
        print(f"==> Rasa model up to date ({MODEL_FILE.relative_to(ROOT)}), not retraining.")
        return 0
    return train()


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
