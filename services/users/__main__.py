"""Entry point: `python -m services.users`."""

from services.users.bootstrap import main

main()
