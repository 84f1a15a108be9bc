package model

import (
	"sort"
	"time"
)

// SchemaBackups is the kind of 'ccproxy backups'.
const SchemaBackups = "ccproxy/backups@1"

// BackupList is what 'ccproxy backups' prints: the backups in a folder, newest first.
type BackupList struct {
	Schema     string        `json:"schema"`
	Folder     string        `json:"folder"`
	Backups    []BackupEntry `json:"backups" doc:"newest first"`
	Unreadable []Unreadable  `json:"unreadable" doc:"files named like backups that are not ccproxy backups"`
}

// BackupEntry is one backup, summarised.
type BackupEntry struct {
	Path            string    `json:"path"`
	CreatedAt       time.Time `json:"createdAt"`
	Host            *string   `json:"host"`
	Reason          string    `json:"reason" enum:"apply,restore"`
	PlanFingerprint string    `json:"planFingerprint"`
	Values          []string  `json:"values" doc:"the registry values it holds, as key\\value"`
}

// Unreadable is a file that could not be read as what it claims to be.
type Unreadable struct {
	Path   string `json:"path"`
	Reason string `json:"reason"`
}

// BackupFile is one file of a backup folder, as read.
type BackupFile struct {
	Path string
	Data []byte
	Err  error // the file could not be read
}

// ListBackups summarises the backup files of folder, newest first (by creation time, then
// by path, so that the order is stable).
func ListBackups(folder string, files []BackupFile) BackupList {
	l := BackupList{Schema: SchemaBackups, Folder: folder, Backups: []BackupEntry{}, Unreadable: []Unreadable{}}
	for _, f := range files {
		if f.Err != nil {
			l.Unreadable = append(l.Unreadable, Unreadable{Path: f.Path, Reason: f.Err.Error()})
			continue
		}
		b, err := ParseBackup(f.Path, f.Data)
		if err != nil {
			l.Unreadable = append(l.Unreadable, Unreadable{Path: f.Path, Reason: err.Error()})
			continue
		}
		e := BackupEntry{Path: f.Path, CreatedAt: b.CreatedAt.UTC(), Host: b.Host, Reason: b.Reason, PlanFingerprint: b.PlanFingerprint, Values: []string{}}
		for _, v := range b.Values {
			e.Values = append(e.Values, v.RegistryPath+`\`+v.ValueName)
		}
		l.Backups = append(l.Backups, e)
	}
	sort.SliceStable(l.Backups, func(i, j int) bool {
		a, b := l.Backups[i], l.Backups[j]
		if !a.CreatedAt.Equal(b.CreatedAt) {
			return a.CreatedAt.After(b.CreatedAt)
		}
		return a.Path > b.Path
	})
	return l
}
