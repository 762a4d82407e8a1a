package wire

import (
	"strings"
	"time"
)

var monthNames = map[string]time.Month{
	"JAN": time.January, "FEB": time.February, "MAR": time.March,
	"APR": time.April, "MAY": time.May, "JUN": time.June,
	"JUL": time.July, "AUG": time.August, "SEP": time.September,
	"OCT": time.October, "NOV": time.November, "DEC": time.December,
}

func isDateChar(c byte) bool {
	return isDigit(c) || c == '-' || (c|0x20 >= 'a' && c|0x20 <= 'z')
}

// ReadDate reads a date (1-Jan-2024), bare or quoted, as midnight UTC:
// SEARCH compares dates without time or zone.
func (d *Decoder) ReadDate() (time.Time, error) {
	c, err := d.peek()
	if err != nil {
		return time.Time{}, err
	}
	var s string
	if c == '"' {
		if s, err = d.ReadQuoted(); err != nil {
			return time.Time{}, err
		}
	} else {
		b, err := d.readWhile(isDateChar)
		if err != nil {
			return time.Time{}, err
		}
		s = string(b)
	}
	t, ok := parseDate(s)
	if !ok {
		return time.Time{}, syntaxErr("Invalid date")
	}
	return t, nil
}

// parseDate parses date-day "-" date-month "-" date-year. The day may be
// one or two digits, or space-padded as in date-time.
func parseDate(s string) (time.Time, bool) {
	day, rest, ok := strings.Cut(s, "-")
	if !ok {
		return time.Time{}, false
	}
	mon, year, ok := strings.Cut(rest, "-")
	if !ok {
		return time.Time{}, false
	}
	if len(day) == 2 && day[0] == ' ' {
		day = day[1:]
	}
	dd, ok := atoiN(day, 1, 2)
	m, okm := monthNames[strings.ToUpper(mon)]
	yy, oky := atoiN(year, 4, 4)
	if !ok || !okm || !oky || dd < 1 {
		return time.Time{}, false
	}
	t := time.Date(yy, m, dd, 0, 0, 0, 0, time.UTC)
	if t.Day() != dd {
		return time.Time{}, false // 31-Feb and the like
	}
	return t, true
}

// atoiN parses min to max decimal digits.
func atoiN(s string, min, max int) (int, bool) {
	if len(s) < min || len(s) > max {
		return 0, false
	}
	n := 0
	for i := 0; i < len(s); i++ {
		if !isDigit(s[i]) {
			return 0, false
		}
		n = n*10 + int(s[i]-'0')
	}
	return n, true
}

// ReadDateTime reads a quoted date-time ("01-Jan-2024 10:00:00 +0000") in
// the zone it names.
func (d *Decoder) ReadDateTime() (time.Time, error) {
	s, err := d.ReadQuoted()
	if err != nil {
		return time.Time{}, err
	}
	t, ok := parseDateTime(s)
	if !ok {
		return time.Time{}, syntaxErr("Invalid date-time")
	}
	return t, nil
}

func parseDateTime(s string) (time.Time, bool) {
	// The day may be padded with a space, so split from the right.
	i := strings.LastIndexByte(s, ' ')
	if i < 0 {
		return time.Time{}, false
	}
	rest, zone := s[:i], s[i+1:]
	j := strings.LastIndexByte(rest, ' ')
	if j < 0 {
		return time.Time{}, false
	}
	date, clock := rest[:j], rest[j+1:]
	day, ok := parseDate(date)
	if !ok || len(clock) != 8 || clock[2] != ':' || clock[5] != ':' {
		return time.Time{}, false
	}
	hh, ok1 := atoiN(clock[0:2], 2, 2)
	mm, ok2 := atoiN(clock[3:5], 2, 2)
	ss, ok3 := atoiN(clock[6:8], 2, 2)
	if !ok1 || !ok2 || !ok3 || hh > 23 || mm > 59 || ss > 60 {
		return time.Time{}, false
	}
	if len(zone) != 5 || (zone[0] != '+' && zone[0] != '-') {
		return time.Time{}, false
	}
	zh, ok1 := atoiN(zone[1:3], 2, 2)
	zm, ok2 := atoiN(zone[3:5], 2, 2)
	if !ok1 || !ok2 || zm > 59 {
		return time.Time{}, false
	}
	off := (zh*60 + zm) * 60
	if zone[0] == '-' {
		off = -off
	}
	loc := time.FixedZone("", off)
	if off == 0 {
		loc = time.UTC
	}
	return time.Date(day.Year(), day.Month(), day.Day(), hh, mm, ss, 0, loc), true
}
