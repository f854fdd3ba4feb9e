#!/bin/sh
# notify_fifo_script used by the compat corpus: reads events from the FIFO ($1).
while read -r line; do :; done < "$1"
