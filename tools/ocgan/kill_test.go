package main

import (
	"bufio"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ocgan-vk/ocgan/ocgan/checkpoint"
)

// TestTrainSurvivesKill kills `ocgan train` (SIGKILL) at many points of a run —
// while it starts up and at several delays after the end of an epoch, around
// the per-epoch checkpoint write —
// and checks after every kill that the checkpoint on disk is either absent or
// complete (it loads), then that --resume from it finishes the run.
func TestTrainSurvivesKill(t *testing.T) {
	runIfChild()
	root := t.TempDir()
	writePNGs(t, filepath.Join(root, "0-bar"), 0, 12)
	writePNGs(t, filepath.Join(root, "1-disc"), 1, 12)
	out := filepath.Join(t.TempDir(), "model.ocgan")
	cache := t.TempDir()
	child := func(resume bool) *exec.Cmd {
		args := []string{"train", "--dataset", "folder", "--data", root, "--class", "0", "--protocol", "1",
			"--epochs", "5", "--batch", "4", "--out", out, "--progress-every", "0"}
		if resume {
			args = append(args, "--resume")
		}
		return childCmd(t, "TestTrainSurvivesKill", cache, args)
	}
	exists := func() bool { _, err := os.Stat(out); return err == nil }

	// One kill while the child starts up, then kills 0–4000 ms after the child
	// reports the end of an epoch: before, during and after it writes the checkpoint;
	// the last one once the checkpoint is on disk, however slow the machine.
	const afterCheckpoint = -2
	kills, loaded := 0, 0
	for i, delay := range []time.Duration{-1, 0, 40, 200, 800, 2000, 4000, afterCheckpoint} {
		cmd := child(exists())
		stderr, err := cmd.StderrPipe()
		if err != nil {
			t.Fatal(err)
		}
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		switch {
		case delay == afterCheckpoint:
			for deadline := time.Now().Add(2 * time.Minute); !exists() && time.Now().Before(deadline); {
				time.Sleep(20 * time.Millisecond)
			}
		case delay < 0:
			time.Sleep(300 * time.Millisecond)
		default:
			if waitForLine(stderr, "epoch ") {
				time.Sleep(delay * time.Millisecond)
			}
		}
		if err := cmd.Process.Kill(); err == nil {
			kills++
		}
		go io.Copy(io.Discard, stderr)
		cmd.Wait()
		if exists() {
			if _, err := checkpoint.Load(out); err != nil {
				t.Fatalf("kill %d (%v after an epoch): the checkpoint does not load: %v", i, delay*time.Millisecond, err)
			}
			loaded++
		}
	}
	if kills == 0 || loaded == 0 {
		t.Fatalf("%d kills, %d checkpoints loaded after one: the test exercised nothing", kills, loaded)
	}
	cmd := child(exists())
	if msg, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("finishing the run after %d kills: %v\n%s", kills, err, msg)
	}
	ck, err := checkpoint.Load(out)
	if err != nil {
		t.Fatal(err)
	}
	if ck.Meta["status"] != "done" || ck.Train.Epoch != 5 {
		t.Fatalf("final checkpoint: status %q after epoch %d, want done after 5", ck.Meta["status"], ck.Train.Epoch)
	}
	t.Logf("%d kills, a complete checkpoint after %d of them; the run finished", kills, loaded)
}

// runIfChild runs the CLI on the arguments of OCGAN_TEST_CHILD_ARGS and
// exits, in a child that childCmd started; it returns at once otherwise.
func runIfChild() {
	if args := os.Getenv("OCGAN_TEST_CHILD_ARGS"); args != "" {
		os.Exit(run(strings.Split(args, "\x1f"), os.Stdout, os.Stderr))
	}
}

// childCmd returns the command that runs `ocgan args...` in a child
// process: this test binary running test, which calls runIfChild first,
// with its Vulkan pipeline cache in cache.
func childCmd(t *testing.T, test, cache string, args []string) *exec.Cmd {
	t.Helper()
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(exe, "-test.run=^"+test+"$")
	cmd.Env = append(os.Environ(), "OCGAN_TEST_CHILD_ARGS="+strings.Join(args, "\x1f"), "OCGAN_VK_PIPELINE_CACHE="+cache)
	return cmd
}

// waitForLine reads r until a line starts with prefix; false if r ends first
// (a resumed child with no epoch left prints none).
func waitForLine(r io.Reader, prefix string) bool {
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		if strings.HasPrefix(sc.Text(), prefix) {
			return true
		}
	}
	return false
}
