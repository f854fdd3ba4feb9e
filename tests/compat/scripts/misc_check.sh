#!/bin/sh
# MISC_CHECK script used by the compat corpus: $1=host $2=port
exit 0
