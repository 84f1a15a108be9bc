package watch

import (
	"sort"
	"time"
)

// HealLimit stops a heal from fighting another writer: a value healed Max times within
// Window is not healed again until the oldest of those heals leaves the window. A window of
// a day catches a writer that returns at once and one that returns with each Group Policy
// refresh (every 90 minutes, with up to 30 minutes' random offset: Microsoft, "Group Policy
// refresh interval for computers") alike: either makes Max heals long before a day is over.
type HealLimit struct {
	Max    int
	Window time.Duration
	heals  map[string][]time.Time
}

// NewHealLimit allows max heals of one value per window.
func NewHealLimit(max int, window time.Duration) *HealLimit {
	return &HealLimit{Max: max, Window: window, heals: map[string][]time.Time{}}
}

// Count is the heals of value within the window before now.
func (l *HealLimit) Count(value string, now time.Time) int {
	l.forget(value, now)
	return len(l.heals[value])
}

// Allowed says whether value may be healed now.
func (l *HealLimit) Allowed(value string, now time.Time) bool {
	return l.Count(value, now) < l.Max
}

// Healed records a heal of value.
func (l *HealLimit) Healed(value string, now time.Time) {
	l.forget(value, now)
	l.heals[value] = append(l.heals[value], now)
}

func (l *HealLimit) forget(value string, now time.Time) {
	h := l.heals[value]
	i := sort.Search(len(h), func(i int) bool { return now.Sub(h[i]) < l.Window })
	if i > 0 {
		l.heals[value] = append([]time.Time{}, h[i:]...)
	}
}
