package e2e

import (
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// Every server setting the README lists is a setting of the VS Code
// extension too: declared in its package.json (so VS Code offers and checks
// it) and sent by the extension as initializationOptions.
func TestVSCodeDeclaresEverySettingTheReadmeLists(t *testing.T) {
	readme, err := os.ReadFile(filepath.Join("..", "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	text := string(readme)
	start := strings.Index(text, "Settings come\nfrom `initializationOptions` or the `stui` configuration section:")
	end := strings.Index(text, "endpoint is taken from")
	if start < 0 || end < start {
		t.Fatal("README: the sentence listing the settings is gone")
	}
	var names []string
	for _, m := range regexp.MustCompile("`([a-zA-Z]+)`").FindAllStringSubmatch(text[start:end], -1) {
		switch m[1] {
		case "initializationOptions", "stui", "log", "notification", "off":
			continue // the sentence's other words and the transcript setting's values
		}
		names = append(names, m[1])
	}
	if len(names) < 10 {
		t.Fatalf("read only %v from the README's list of settings", names)
	}

	data, err := os.ReadFile(filepath.Join("..", "editors", "vscode", "package.json"))
	if err != nil {
		t.Fatal(err)
	}
	var pkg struct {
		Contributes struct {
			Configuration struct {
				Properties map[string]json.RawMessage `json:"properties"`
			} `json:"configuration"`
		} `json:"contributes"`
	}
	if err := json.Unmarshal(data, &pkg); err != nil {
		t.Fatal(err)
	}
	source, err := os.ReadFile(filepath.Join("..", "editors", "vscode", "src", "extension.ts"))
	if err != nil {
		t.Fatal(err)
	}
	sent := regexp.MustCompile(`(?s)function settings\(\).*?for \(const key of \[(.*?)\]\)`).FindSubmatch(source)
	if sent == nil {
		t.Fatal("editors/vscode/src/extension.ts: the list of settings sent as initializationOptions is gone")
	}
	for _, name := range names {
		if _, ok := pkg.Contributes.Configuration.Properties["stui."+name]; !ok {
			t.Errorf("the README's setting %s is not declared in editors/vscode/package.json as stui.%s", name, name)
		}
		if !strings.Contains(string(sent[1]), "'"+name+"'") {
			t.Errorf("the VS Code extension does not send the README's setting %s as initializationOptions", name)
		}
	}
}
