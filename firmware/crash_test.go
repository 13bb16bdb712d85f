package firmware

import (
	"bufio"
	"bytes"
	"encoding/hex"
	"io"
	"math/rand"
	"os"
	"os/exec"
	"slices"
	"syscall"
	"testing"
	"time"
)

// rollbackSteps are the steps of a rollback, in order.
var rollbackSteps = []string{
	"current-link-created", "current-switched", "current-synced",
	"previous-link-created", "previous-switched", "previous-synced",
}

// TestInstallSurvivesKill runs Install (and Rollback) in a child process
// that is SIGKILLed after every step in turn, and at random delays, with
// version B current and A previous, installing C. After each kill current
// and previous must point to complete, verifying versions — the old ones
// before the switch, the new ones after it — and a following Install of C
// must succeed and leave no staging directories or temporary links.
func TestInstallSurvivesKill(t *testing.T) {
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	pub, priv := testKey(1)
	paths, ids := versionBundles(t, priv, "1.0.0", "1.1.0", "1.2.0")
	a, b, c := ids[0], ids[1], ids[2]
	opts := InstallOptions{RuntimeVersion: "1.0.0"}
	setup := func(t *testing.T) string {
		root := t.TempDir()
		for _, p := range paths[:2] {
			if _, err := Install(root, p, pub, opts); err != nil {
				t.Fatal(err)
			}
		}
		return root
	}
	start := func(t *testing.T, op, root, killAt string) (*exec.Cmd, *bytes.Buffer) {
		cmd := exec.Command(exe, "-test.run=^$")
		cmd.Env = append(os.Environ(), envChild+"="+op, envRoot+"="+root, envBundle+"="+paths[2],
			envPub+"="+hex.EncodeToString(pub), envKillAt+"="+killAt)
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		out, err := cmd.StdoutPipe()
		if err != nil {
			t.Fatal(err)
		}
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		line, err := bufio.NewReader(out).ReadString('\n')
		if line != childReady {
			cmd.Process.Kill()
			cmd.Wait()
			t.Fatalf("child said %q (%v), stderr %s", line, err, stderr.String())
		}
		go io.Copy(io.Discard, out)
		return cmd, &stderr
	}
	killed := func(cmd *exec.Cmd) bool {
		ws, ok := cmd.ProcessState.Sys().(syscall.WaitStatus)
		return ok && ws.Signaled() && ws.Signal() == syscall.SIGKILL
	}
	// after checks the state a kill left, then that installing C works.
	after := func(t *testing.T, root, what string, wantCur, wantPrev []string) {
		t.Helper()
		cur, prev := links(t, root, pub)
		if !slices.Contains(wantCur, cur) || !slices.Contains(wantPrev, prev) {
			t.Fatalf("%s: current %s, previous %s; want current in %v, previous in %v", what, cur, prev, wantCur, wantPrev)
		}
		res, err := Install(root, paths[2], pub, opts)
		if err != nil {
			t.Fatalf("%s: the following install: %v", what, err)
		}
		if cur, _ := links(t, root, pub); cur != c || res.ID != c {
			t.Fatalf("%s: after the following install current is %s, want %s", what, cur, c)
		}
		if l := leftovers(t, root); len(l) > 0 {
			t.Fatalf("%s: leftovers %v after the following install", what, l)
		}
	}
	index := func(steps []string, s string) int {
		i := slices.Index(steps, s)
		if i < 0 {
			t.Fatalf("no step %q", s)
		}
		return i
	}

	t.Run("install-steps", func(t *testing.T) {
		curAt, prevAt := index(installSteps, "current-switched"), index(installSteps, "previous-switched")
		for i, step := range installSteps {
			root := setup(t)
			cmd, stderr := start(t, "install", root, step)
			cmd.Wait()
			if !killed(cmd) {
				t.Fatalf("step %s: the child was not killed there (%v): %s", step, cmd.ProcessState, stderr)
			}
			wantCur, wantPrev := b, a
			if i >= curAt {
				wantCur = c
			}
			if i >= prevAt {
				wantPrev = b
			}
			after(t, root, "install killed after "+step, []string{wantCur}, []string{wantPrev})
		}
	})

	t.Run("rollback-steps", func(t *testing.T) {
		curAt, prevAt := index(rollbackSteps, "current-switched"), index(rollbackSteps, "previous-switched")
		for i, step := range rollbackSteps {
			root := setup(t)
			cmd, stderr := start(t, "rollback", root, step)
			cmd.Wait()
			if !killed(cmd) {
				t.Fatalf("step %s: the child was not killed there (%v): %s", step, cmd.ProcessState, stderr)
			}
			wantCur, wantPrev := b, a
			if i >= curAt {
				wantCur = a
			}
			if i >= prevAt {
				wantPrev = b
			}
			after(t, root, "rollback killed after "+step, []string{wantCur}, []string{wantPrev})
		}
	})

	t.Run("random-delays", func(t *testing.T) {
		// Time an uninterrupted child install from "ready" to exit.
		root := setup(t)
		cmd, stderr := start(t, "install", root, "")
		t0 := time.Now()
		if err := cmd.Wait(); err != nil {
			t.Fatalf("uninterrupted child: %v: %s", err, stderr)
		}
		span := time.Since(t0)
		r := rand.New(rand.NewSource(time.Now().UnixNano()))
		outcomes := map[string]int{}
		for i := 0; i < 20; i++ {
			root := setup(t)
			cmd, _ := start(t, "install", root, "")
			// Even tries anywhere in the install, odd ones near its end,
			// where the links switch.
			delay := time.Duration(r.Float64() * 1.5 * float64(span))
			if i%2 == 1 {
				delay = time.Duration((0.7 + 0.5*r.Float64()) * float64(span))
			}
			time.Sleep(delay)
			cmd.Process.Signal(syscall.SIGKILL)
			cmd.Wait()
			cur, _ := links(t, root, pub)
			switch {
			case !killed(cmd):
				outcomes["finished"]++
			case cur == b:
				outcomes["killed, old current"]++
			default:
				outcomes["killed, new current"]++
			}
			after(t, root, "install killed after "+delay.String(), []string{b, c}, []string{a, b})
		}
		t.Logf("child install takes %v; 20 kills: %v", span, outcomes)
		if outcomes["finished"] == 20 {
			t.Errorf("no kill landed before the child finished")
		}
	})
}
