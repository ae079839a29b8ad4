"""`python -m edgebench` is the same as the `edgebench` command."""

from edgebench.cli import main

main()
