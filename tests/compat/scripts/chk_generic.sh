#!/bin/sh
# Generic check used by the compat corpus: exit status given as $1 (default 0).
exit "${1:-0}"
