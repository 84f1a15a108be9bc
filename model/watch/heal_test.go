package watch

import (
	"testing"
	"time"
)

// A writer that returns at once and one that returns every 90 minutes (a Group Policy
// refresh) both trip the limit after Max heals; one that returns once a day never does.
func TestHealLimit(t *testing.T) {
	t0 := time.Date(2026, 3, 4, 0, 0, 0, 0, time.UTC)
	for _, c := range []struct {
		name    string
		every   time.Duration
		tripsAt int // the drift that is refused first; 0 never within 20
	}{
		{"at once", time.Second, 4},
		{"every 90 minutes", 90 * time.Minute, 4},
		{"every 7 hours", 7 * time.Hour, 4},
		{"once a day", 25 * time.Hour, 0},
	} {
		t.Run(c.name, func(t *testing.T) {
			l := NewHealLimit(3, 24*time.Hour)
			trips := 0
			for i := 1; i <= 20; i++ {
				now := t0.Add(time.Duration(i) * c.every)
				if !l.Allowed("v", now) {
					trips = i
					break
				}
				l.Healed("v", now)
			}
			if trips != c.tripsAt {
				t.Errorf("refused first at drift %d, want %d", trips, c.tripsAt)
			}
		})
	}
	// Another value has its own count, and heals age out of the window.
	l := NewHealLimit(1, time.Hour)
	l.Healed("a", t0)
	if l.Allowed("a", t0.Add(time.Minute)) || !l.Allowed("b", t0) || !l.Allowed("a", t0.Add(time.Hour)) {
		t.Error("per-value counts or the window are wrong")
	}
}
