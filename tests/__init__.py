"""Test suite (a package so that pytest puts the project root, not tests/, on sys.path)."""
