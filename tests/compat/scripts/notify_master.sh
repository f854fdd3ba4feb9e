#!/bin/sh
# notify_master script used by the compat corpus.
logger -t keepalived-notify_master "$*" 2>/dev/null || true
