#!/bin/sh
# notify_stop script used by the compat corpus.
logger -t keepalived-notify_stop "$*" 2>/dev/null || true
