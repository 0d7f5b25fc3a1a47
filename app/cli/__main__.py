"""`python -m app.cli`: the `assetmap` command."""

from app.cli import main

main()
