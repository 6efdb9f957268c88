//go:build unix

package main

import (
	"os"
	"slices"
	"strings"
	"testing"
)

// awakeMonitor is the GODEBUG field awake.c adds.
const awakeMonitor = "schedtrace=2147483647"

func TestAwakeMonitorOnlyForTheServerOnOneSlot(t *testing.T) {
	for _, tc := range []struct {
		name string
		args []string
		env  []string
		want bool
	}{
		{name: "as editors start it", env: []string{"HOME=/h"}, want: true},
		{name: "with flags", args: []string{"--endpoint", "ipc:///tmp/x"}, want: true},
		{name: "serve named", args: []string{"serve"}, want: true},
		{name: "other GODEBUG settings", env: []string{"GODEBUG=madvdontneed=1"}, want: true},
		{name: "a name that only begins like one", env: []string{"GOMAXPROCSX=2", "GODEBUGX=schedtrace=1"}, want: true},
		{name: "a subcommand", args: []string{"eval", "3 + 4"}},
		{name: "the bench", args: []string{"bench", "--quick"}},
		{name: "GOMAXPROCS set", env: []string{"GOMAXPROCS=2"}},
		{name: "schedtrace of the user's", env: []string{"GODEBUG=gctrace=1, schedtrace=0"}},
		{name: "already run again", env: []string{"GODEBUG=" + awakeMonitor, godebugBefore + "=unset"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			argv := append([]string{"stui-lsp"}, tc.args...)
			if got := wantsAwakeMonitor(argv, tc.env); got != tc.want {
				t.Errorf("wantsAwakeMonitor(%q, %q) = %v, want %v", argv, tc.env, got, tc.want)
			}
		})
	}
}

func TestAwakeEnvAddsTheSettingAndKeepsWhatWasThere(t *testing.T) {
	for _, tc := range []struct {
		name string
		env  []string
		want []string
	}{
		{name: "no GODEBUG", env: []string{"HOME=/h"},
			want: []string{"HOME=/h", "GODEBUG=" + awakeMonitor, godebugBefore + "=unset"}},
		{name: "empty GODEBUG", env: []string{"GODEBUG="},
			want: []string{"GODEBUG=" + awakeMonitor, godebugBefore + "=set:"}},
		{name: "a GODEBUG", env: []string{"GODEBUG=gctrace=1", "PATH=/bin"},
			want: []string{"PATH=/bin", "GODEBUG=gctrace=1," + awakeMonitor, godebugBefore + "=set:gctrace=1"}},
		{name: "a stale marker", env: []string{godebugBefore + "=set:x=1"},
			want: []string{"GODEBUG=" + awakeMonitor, godebugBefore + "=unset"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := awakeEnv(tc.env); !slices.Equal(got, tc.want) {
				t.Errorf("awakeEnv(%q)\n = %q\nwant %q", tc.env, got, tc.want)
			}
		})
	}
}

// The process run again gives the processes it starts GODEBUG as the user
// set it, or none.
func TestRestoreGodebugPutsBackWhatAwakeEnvKept(t *testing.T) {
	for _, before := range []struct {
		set   bool
		value string
	}{{}, {set: true}, {set: true, value: "gctrace=1"}} {
		env := []string{}
		if before.set {
			env = append(env, "GODEBUG="+before.value)
		}
		for _, kv := range awakeEnv(env) {
			k, v, _ := strings.Cut(kv, "=")
			t.Setenv(k, v)
		}
		if !restoreGodebug() {
			t.Fatal("restoreGodebug found nothing to restore")
		}
		if _, left := os.LookupEnv(godebugBefore); left {
			t.Errorf("%s is still set", godebugBefore)
		}
		got, set := os.LookupEnv("GODEBUG")
		switch {
		case !before.set && set:
			t.Errorf("GODEBUG=%q, want it unset as it was", got)
		case before.set && (!set || got != before.value):
			t.Errorf("GODEBUG=%q (set %v), want %q", got, set, before.value)
		}
		if restoreGodebug() {
			t.Error("a second restoreGodebug restored again")
		}
		os.Unsetenv("GODEBUG")
	}
}
