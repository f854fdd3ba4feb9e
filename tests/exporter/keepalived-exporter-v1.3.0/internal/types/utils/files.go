package utils

import (
	"os"
	"time"

	"github.com/cenkalti/backoff/v4"
)

// OpenFileWithRetry used to open a file if it didn't exist and retry until the max waiting time.
//
// keepalived-rs: backoff.Retry instead of backoff.RetryWithData (v4.2.0), which Debian 12's
// golang-github-cenkalti-backoff-dev (4.1.3) does not have; same backoff, same result.
func OpenFileWithRetry(fileName string) (*os.File, error) {
	var f *os.File

	openFile := func() error {
		var err error
		f, err = os.Open(fileName)

		return err
	}

	b := backoff.NewExponentialBackOff()
	b.InitialInterval = 10 * time.Millisecond
	b.MaxElapsedTime = 2 * time.Second
	b.Reset()

	if err := backoff.Retry(openFile, b); err != nil {
		return nil, err
	}

	return f, nil
}
