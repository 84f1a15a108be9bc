package system

import (
	"os"
	"path/filepath"
	"testing"
)

func TestGPPRegistryItems(t *testing.T) {
	root := t.TempDir()
	dir := filepath.Join(root, "Microsoft", "Group Policy", "History", "{31B2F340-016D-11D2-945F-00C04FB984F9}", "Machine", "Preferences", "Registry")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	xmlText := `<?xml version="1.0" encoding="utf-8"?>
<RegistrySettings clsid="{A3CCFC41-DFDB-43a5-8D26-0FE8B954DA51}">
  <Collection clsid="{53B533F5-224C-47e3-B01B-CA3B3F3FF4BF}" name="Proxy">
    <Registry clsid="{9CD4B2F4-923D-47f5-A062-E897DD1DAD50}" name="WinHttpSettings" status="WinHttpSettings">
      <Properties action="U" displayDecimal="0" default="0" hive="HKEY_LOCAL_MACHINE" key="SOFTWARE\Microsoft\Windows\CurrentVersion\Internet Settings\Connections" name="WinHttpSettings" type="REG_BINARY" value="18000000"/>
    </Registry>
  </Collection>
</RegistrySettings>`
	if err := os.WriteFile(filepath.Join(dir, "Registry.xml"), []byte(xmlText), 0o644); err != nil {
		t.Fatal(err)
	}
	items := GPPRegistryItems(root)
	if len(items) != 1 || items[0].Name != "WinHttpSettings" || items[0].GPO != "{31B2F340-016D-11D2-945F-00C04FB984F9}" ||
		items[0].Path != `HKEY_LOCAL_MACHINE\SOFTWARE\Microsoft\Windows\CurrentVersion\Internet Settings\Connections` {
		t.Errorf("items %+v", items)
	}
	if GPPRegistryItems(t.TempDir()) != nil || GPPRegistryItems("") != nil {
		t.Error("items where there are none")
	}
}
