#!/bin/sh
# notify_fault script used by the compat corpus.
logger -t keepalived-notify_fault "$*" 2>/dev/null || true
