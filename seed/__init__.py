"""Shizhu County reference data (CSV). See README.md in this folder for sources."""

from pathlib import Path

DATA_DIR = Path(__file__).resolve().parent
