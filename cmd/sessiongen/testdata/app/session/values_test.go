package session_test

import (
	"time"

	"example.com/app/model"
	"example.com/app/session"
)

// values is one value of every key.
type values struct {
	UserID      int64
	SignedIn    bool
	Name        string
	Visits      int
	Small       int8
	Medium      int16
	Large       int32
	Count       uint
	Flags       uint8
	Port        uint16
	Code        uint32
	Mask        uint64
	Raw         byte
	Initial     rune
	Ratio       float32
	Score       float64
	LastSeen    time.Time
	Idle        time.Duration
	Month       time.Month
	CartItems   []int64
	Blob        []byte
	Matrix      [][]float64
	Counts      map[string]int
	Groups      map[string][]string
	History     []map[string]time.Time
	Prefs       model.Prefs
	RecentPrefs []model.Prefs
	PrefsBySite map[string]model.Prefs
	APIToken    string
	Theme       string
	PageSize    uint8
	Timeout     time.Duration
	Tags        []string
	Limits      map[string][]int
}

var want = values{
	UserID:      -1 << 63,
	SignedIn:    true,
	Name:        "Zoë \"quoted\" <b>&</b> 😀",
	Visits:      42,
	Small:       -128,
	Medium:      32767,
	Large:       -2147483648,
	Count:       7,
	Flags:       255,
	Port:        8080,
	Code:        4294967295,
	Mask:        18446744073709551615,
	Raw:         'x',
	Initial:     'ß',
	Ratio:       0.1,
	Score:       1e300,
	LastSeen:    time.Date(2024, 2, 29, 23, 59, 59, 123456789, time.UTC),
	Idle:        90 * time.Minute,
	Month:       time.December,
	CartItems:   []int64{1, 2, 3},
	Blob:        []byte{0, 1, 2, 255},
	Matrix:      [][]float64{{1.5, -2}, {}},
	Counts:      map[string]int{"a": 1, "b": 2},
	Groups:      map[string][]string{"admins": {"ann"}, "none": {}},
	History:     []map[string]time.Time{{"login": time.Date(2023, 1, 1, 0, 0, 0, 0, time.UTC)}},
	Prefs:       model.Prefs{Theme: "dark", Langs: []string{"en", "fr"}, Extra: map[string]int{"x": 1}},
	RecentPrefs: []model.Prefs{{Theme: "a"}, {Theme: "b"}},
	PrefsBySite: map[string]model.Prefs{"shop": {Theme: "c", Langs: []string{"de"}}},
	APIToken:    "secret",
	Theme:       "dark",
	PageSize:    50,
	Timeout:     time.Second,
	Tags:        []string{},
	Limits:      map[string][]int{"z": {9}},
}

// set stores v through the generated setters.
func set(sess *session.Session, v values) {
	sess.SetUserID(v.UserID)
	sess.SetSignedIn(v.SignedIn)
	sess.SetName(v.Name)
	sess.SetVisits(v.Visits)
	sess.SetSmall(v.Small)
	sess.SetMedium(v.Medium)
	sess.SetLarge(v.Large)
	sess.SetCount(v.Count)
	sess.SetFlags(v.Flags)
	sess.SetPort(v.Port)
	sess.SetCode(v.Code)
	sess.SetMask(v.Mask)
	sess.SetRaw(v.Raw)
	sess.SetInitial(v.Initial)
	sess.SetRatio(v.Ratio)
	sess.SetScore(v.Score)
	sess.SetLastSeen(v.LastSeen)
	sess.SetIdle(v.Idle)
	sess.SetMonth(v.Month)
	sess.SetCartItems(v.CartItems)
	sess.SetBlob(v.Blob)
	sess.SetMatrix(v.Matrix)
	sess.SetCounts(v.Counts)
	sess.SetGroups(v.Groups)
	sess.SetHistory(v.History)
	sess.SetPrefs(v.Prefs)
	sess.SetRecentPrefs(v.RecentPrefs)
	sess.SetPrefsBySite(v.PrefsBySite)
	sess.SetAPIToken(v.APIToken)
	sess.SetTheme(v.Theme)
	sess.SetPageSize(v.PageSize)
	sess.SetTimeout(v.Timeout)
	sess.SetTags(v.Tags)
	sess.SetLimits(v.Limits)
}

// get reads every key through the generated getters.
func get(sess *session.Session) values {
	return values{
		UserID:      sess.UserID(),
		SignedIn:    sess.SignedIn(),
		Name:        sess.Name(),
		Visits:      sess.Visits(),
		Small:       sess.Small(),
		Medium:      sess.Medium(),
		Large:       sess.Large(),
		Count:       sess.Count(),
		Flags:       sess.Flags(),
		Port:        sess.Port(),
		Code:        sess.Code(),
		Mask:        sess.Mask(),
		Raw:         sess.Raw(),
		Initial:     sess.Initial(),
		Ratio:       sess.Ratio(),
		Score:       sess.Score(),
		LastSeen:    sess.LastSeen(),
		Idle:        sess.Idle(),
		Month:       sess.Month(),
		CartItems:   sess.CartItems(),
		Blob:        sess.Blob(),
		Matrix:      sess.Matrix(),
		Counts:      sess.Counts(),
		Groups:      sess.Groups(),
		History:     sess.History(),
		Prefs:       sess.Prefs(),
		RecentPrefs: sess.RecentPrefs(),
		PrefsBySite: sess.PrefsBySite(),
		APIToken:    sess.APIToken(),
		Theme:       sess.Theme(),
		PageSize:    sess.PageSize(),
		Timeout:     sess.Timeout(),
		Tags:        sess.Tags(),
		Limits:      sess.Limits(),
	}
}
