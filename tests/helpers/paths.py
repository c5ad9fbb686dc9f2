"""Where the repository and the shared data beside it live (data is never copied into the repo)."""
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
SHARED = REPO.parent / "shared"
CORE = SHARED / "corpus" / "core"
SAMPLES = SHARED / "ingest-samples"
