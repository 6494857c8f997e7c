"""Entry point: `python -m services.billing`."""

from services.billing.bootstrap import main

main()
