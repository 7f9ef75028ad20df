package api

import (
	"fmt"
	"testing"
)

func TestGoName(t *testing.T) {
	tests := map[string]string{
		"user_id":      "UserID",
		"api_url":      "APIURL",
		"url":          "URL",
		"http_referer": "HTTPReferer",
		"cart_items":   "CartItems",
		"user_ids":     "UserIDs",
		"json_blob":    "JSONBlob",
		"ts":           "TS",
		"x":            "X",
		"user2fa":      "User2fa",
		"step_2":       "Step2",
		"https_only":   "HTTPSOnly",
		"utf8_name":    "UTF8Name",
		"idea":         "Idea",
	}
	for key, want := range tests {
		if got := GoName(key); got != want {
			t.Errorf("GoName(%q) = %q, want %q", key, got, want)
		}
	}
}

func TestKeyMethods(t *testing.T) {
	var names []string
	for _, m := range KeyMethods("Notice", true) {
		names = append(names, m.Role.String()+" "+m.Name)
	}
	want := "[pop method PopNotice setter SetNotice update method UpdateNotice delete method DeleteNotice]"
	if got := fmt.Sprint(names); got != want {
		t.Errorf("flash methods = %s, want %s", got, want)
	}
	names = nil
	for _, m := range KeyMethods("CartItems", false) {
		names = append(names, m.Role.String()+" "+m.Name)
	}
	want = "[getter CartItems lookup method LookupCartItems setter SetCartItems update method UpdateCartItems delete method DeleteCartItems]"
	if got := fmt.Sprint(names); got != want {
		t.Errorf("methods = %s, want %s", got, want)
	}
}

func TestPolicyVar(t *testing.T) {
	for goName, want := range map[string]string{
		"OneTimeCode": "oneTimeCodePolicy",
		"APIToken":    "apiTokenPolicy",
		"URL":         "urlPolicy",
		"UserID":      "userIDPolicy",
		"X":           "xPolicy",
		"ID2FA":       "id2FAPolicy",
	} {
		if got := PolicyVar(goName); got != want {
			t.Errorf("PolicyVar(%q) = %q, want %q", goName, got, want)
		}
	}
}
