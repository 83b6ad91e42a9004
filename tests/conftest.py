import sys
from pathlib import Path

# tests import the shared harness as ``from oracle import check``
sys.path.insert(0, str(Path(__file__).parent))
