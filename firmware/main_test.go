package firmware

import (
	"crypto/ed25519"
	"encoding/hex"
	"fmt"
	"os"
	"syscall"
	"testing"
)

// The environment of a child process of the crash test (crash_test.go).
const (
	envChild   = "FIRMWARE_TEST_CHILD" // "install" or "rollback"
	envRoot    = "FIRMWARE_TEST_ROOT"
	envBundle  = "FIRMWARE_TEST_BUNDLE"
	envPub     = "FIRMWARE_TEST_PUB"     // hex public key
	envKillAt  = "FIRMWARE_TEST_KILL_AT" // step name; "" runs to the end
	childReady = "child ready\n"
)

// TestMain runs the crash test's child when the environment asks for one,
// and the tests otherwise.
func TestMain(m *testing.M) {
	if op := os.Getenv(envChild); op != "" {
		os.Exit(runChild(op))
	}
	os.Exit(m.Run())
}

// runChild installs or rolls back as the environment says, killing
// itself with SIGKILL right after the step named by envKillAt.
func runChild(op string) int {
	pub, err := hex.DecodeString(os.Getenv(envPub))
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 2
	}
	killAt := os.Getenv(envKillAt)
	step := func(name string) {
		if name == killAt {
			syscall.Kill(os.Getpid(), syscall.SIGKILL)
			select {} // the signal arrives
		}
	}
	os.Stdout.WriteString(childReady)
	switch op {
	case "install":
		_, err = Install(os.Getenv(envRoot), os.Getenv(envBundle), ed25519.PublicKey(pub),
			InstallOptions{RuntimeVersion: "1.0.0", step: step})
	case "rollback":
		_, err = rollback(os.Getenv(envRoot), ed25519.PublicKey(pub), step)
	default:
		err = fmt.Errorf("unknown child operation %q", op)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	return 0
}
