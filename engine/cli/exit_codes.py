"""The command line's exit codes, which scripts rely on: 0 done, 1 the job failed, 2 the input cannot be used."""

EXIT_OK, EXIT_FAILED, EXIT_BAD_INPUT = 0, 1, 2
