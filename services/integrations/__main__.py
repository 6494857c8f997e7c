"""Entry point: `python -m services.integrations`."""

from services.integrations.bootstrap import main

main()
