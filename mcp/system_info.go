package mcp

import (
	"context"
	"fmt"
	"strings"

	"github.com/stui-lsp/stui-lsp/stuiclient/stuiproto"
)

// SystemInfoArgs are system_info's arguments (none).
type SystemInfoArgs struct{}

// SystemInfoOutput is system_info's result.
type SystemInfoOutput struct {
	Image           stuiproto.SystemInfo `json:"image"`
	ProtocolVersion string               `json:"protocol_version" jsonschema:"the STUI protocol version the image speaks"`
	ServerVersion   string               `json:"server_version" jsonschema:"the image side's STUI server version"`
	Endpoint        string               `json:"endpoint"`
	ClientID        string               `json:"client_id" jsonschema:"the image client id of this workspace folder"`
	SessionMode     string               `json:"session_mode" jsonschema:"shared: the editor's session; own: the agent's"`
	SessionID       string               `json:"session_id,omitempty" jsonschema:"the session in use, once something was evaluated"`
	ReadOnly        bool                 `json:"read_only"`
	NoCompile       bool                 `json:"no_compile"`
	Refused         []string             `json:"refused_tools" jsonschema:"tools this server refuses under its flags"`
}

func (s *Server) systemInfo(ctx context.Context, _ SystemInfoArgs) (SystemInfoOutput, string, error) {
	var ping stuiproto.PingResult
	if err := stuiproto.Call(ctx, s.opts.Image, stuiproto.PingCommand, stuiproto.PingParams{}, &ping); err != nil {
		return SystemInfoOutput{}, "", err
	}
	var info stuiproto.SystemInfoResult
	if err := stuiproto.Call(ctx, s.opts.Image, stuiproto.SystemInfoCommand, stuiproto.SystemInfoParams{InfoType: "all"}, &info); err != nil {
		return SystemInfoOutput{}, "", err
	}
	out := SystemInfoOutput{Image: info.Info, ProtocolVersion: ping.ProtocolVersion, ServerVersion: ping.ServerVersion,
		Endpoint: s.opts.Endpoint, ClientID: s.session.clientID, SessionMode: string(s.opts.Session), SessionID: s.session.current(),
		ReadOnly: s.opts.ReadOnly, NoCompile: s.opts.NoCompile, Refused: s.refusedTools()}
	if out.Image.Packages == nil {
		out.Image.Packages = []string{}
	}
	var b strings.Builder
	fmt.Fprintf(&b, "%s on %s (VM %s, %s), image %s\n", info.Info.PharoVersion, info.Info.Platform, info.Info.VMVersion, info.Info.ImageFormat, info.Info.ImageName)
	fmt.Fprintf(&b, "memory: %d bytes used, %d free; %d packages\n", info.Info.MemoryUsed, info.Info.MemoryFree, len(info.Info.Packages))
	fmt.Fprintf(&b, "STUI protocol %s (server %s %s) at %s\n", ping.ProtocolVersion, ping.ServerName, ping.ServerVersion, s.opts.Endpoint)
	fmt.Fprintf(&b, "session: %s, client id %s", s.opts.Session, s.session.clientID)
	if out.SessionID != "" {
		fmt.Fprintf(&b, ", session %s", out.SessionID)
	}
	if len(out.Refused) > 0 {
		fmt.Fprintf(&b, "\nrefused under this server's flags: %s", strings.Join(out.Refused, ", "))
	}
	if mismatch := stuiproto.CheckVersion(ping.ProtocolVersion); mismatch != nil {
		b.WriteString("\nwarning: " + mismatch.Error())
	}
	return out, b.String(), nil
}

func (s *Server) refusedTools() []string {
	out := []string{}
	for _, name := range []string{"evaluate", "compile_method", "run_tests"} {
		if _, ok := s.refused[name]; ok {
			out = append(out, name)
		}
	}
	return out
}
