"""One module per ``repsim`` subcommand: each has ``add_arguments(parser)`` and ``main(args) -> int``."""
