package system

import (
	"encoding/xml"
	"io"
	"os"
	"path/filepath"
	"strings"
)

// GPPItem is one registry item of Group Policy Preferences that applies to this machine.
type GPPItem struct {
	GPO  string // the GPO's folder name, its GUID
	Path string // hive\key
	Name string // the value's name; "" for the default value or a key item
	File string
}

// GPPRegistryItems lists the registry items of the Group Policy Preferences this machine
// applied, from the copies the Group Policy Preferences client keeps under
// %ProgramData%\Microsoft\Group Policy\History\{GPO}\Machine\Preferences\Registry\Registry.xml
// (the item's hive, key and name are attributes of its Properties element: [MS-GPPREF],
// "Registry Extension"). A machine without them has none; an unreadable
// file is skipped, as the items are evidence, not input.
func GPPRegistryItems(programData string) []GPPItem {
	if programData == "" {
		return nil
	}
	files, _ := filepath.Glob(filepath.Join(programData, "Microsoft", "Group Policy", "History", "*", "Machine", "Preferences", "Registry", "Registry.xml"))
	var out []GPPItem
	for _, f := range files {
		gpo := filepath.Base(filepath.Dir(filepath.Dir(filepath.Dir(filepath.Dir(f)))))
		out = append(out, gppItems(f, gpo)...)
	}
	return out
}

func gppItems(file, gpo string) []GPPItem {
	fh, err := os.Open(file)
	if err != nil {
		return nil
	}
	defer fh.Close()
	d := xml.NewDecoder(io.LimitReader(fh, 16<<20))
	// Group Policy writes these files in UTF-8 or UTF-16 with a declaration; the items'
	// attributes are all this needs, so other encodings are read byte for byte.
	d.CharsetReader = func(_ string, r io.Reader) (io.Reader, error) { return r, nil }
	var out []GPPItem
	for {
		tok, err := d.Token()
		if err != nil {
			return out
		}
		se, ok := tok.(xml.StartElement)
		if !ok || se.Name.Local != "Properties" {
			continue
		}
		var hive, key, name string
		for _, a := range se.Attr {
			switch strings.ToLower(a.Name.Local) {
			case "hive":
				hive = a.Value
			case "key":
				key = a.Value
			case "name":
				name = a.Value
			}
		}
		if hive == "" || key == "" {
			continue
		}
		out = append(out, GPPItem{GPO: gpo, Path: hive + `\` + strings.Trim(key, `\`), Name: name, File: file})
	}
}
