package testutil

import "os"

var lookup = os.LookupEnv
