package cache

import (
	"slices"
	"testing"
)

func TestNormalizeDomain(t *testing.T) {
	tests := []struct{ in, want string }{
		{"acme.com", "acme.com"},
		{"  ACME.com ", "acme.com"},
		{"www.acme.com", "acme.com"},
		{"https://www.Acme.com/about?x=1#top", "acme.com"},
		{"http://acme.com.", "acme.com"},
		{"acme.com/", "acme.com"},
		{"acme.com:8443", "acme.com"},
		{"https://user@acme.com", "acme.com"},
		{"shop.acme.co.uk", "shop.acme.co.uk"},
		{"wwwacme.com", "wwwacme.com"},
		{"", ""},
	}
	for _, tt := range tests {
		if got := NormalizeDomain(tt.in); got != tt.want {
			t.Errorf("NormalizeDomain(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestKeysThatMustBeEqual(t *testing.T) {
	tests := []struct{ name, a, b string }{
		{"property order", ContactKey("1", []string{"email", "phone"}), ContactKey("1", []string{"phone", "email"})},
		{"repeated property", ContactKey("1", []string{"email", "email", " phone"}), ContactKey("1", []string{"phone", "email"})},
		{"company domain forms", CompanyKey("https://www.ACME.com/", "Acme"), CompanyKey("acme.com", "acme")},
		{"company name spacing", CompanyKey("acme.com", "  Acme   Inc "), CompanyKey("acme.com", "acme inc")},
		{"person email case", PersonKey(" Jo@Acme.COM", "Jo", "Acme"), PersonKey("jo@acme.com", "jo", "acme")},
	}
	for _, tt := range tests {
		if tt.a != tt.b {
			t.Errorf("%s: %q != %q", tt.name, tt.a, tt.b)
		}
	}
}

func TestKeysThatMustDiffer(t *testing.T) {
	keys := []string{
		ContactKey("1", nil),
		ContactKey("1", []string{"email"}),
		ContactKey("1", []string{"email", "phone"}),
		ContactKey("1", []string{"email,phone"}),
		ContactKey("12", nil),
		CompanyKey("acme.com", ""),
		CompanyKey("acme.com", "Acme"),
		CompanyKey("acme.org", ""),
		PersonKey("jo@acme.com", "", ""),
		PersonKey("jo@acme.com", "a:b", ""),
		PersonKey("jo@acme.com", "a", "b"),
		PersonKey("jo@acme.com", "a|b", ""),
		PersonKey("jo@acme.com", "a b", ""),
		PersonKey("jo@acme.com", "a+b", ""),
		PersonKey("other@acme.com", "", ""),
	}
	seen := map[string]int{}
	for i, k := range keys {
		if j, ok := seen[k]; ok {
			t.Errorf("keys %d and %d are both %q", j, i, k)
		}
		seen[k] = i
	}
}

func TestContactKeyBelongsToItsGroup(t *testing.T) {
	group, variant, ok := splitKey(ContactKey("42", []string{"phone", "email"}))
	if group != ContactGroup("42") || variant != "email,phone" || !ok {
		t.Fatalf("ContactKey splits into %q %q %v, want %q \"email,phone\"", group, variant, ok, ContactGroup("42"))
	}
	if g, _, _ := splitKey(PersonKey("a|b@x.com", "n|m", "c")); g != "explorium:person:a%7Cb%40x.com" {
		t.Errorf("PersonKey group = %q: a separator in the input leaked", g)
	}
}

func TestContactKeyLeavesPropertiesAlone(t *testing.T) {
	props := []string{"phone", "email", "email"}
	ContactKey("1", props)
	if !slices.Equal(props, []string{"phone", "email", "email"}) {
		t.Fatalf("ContactKey changed its argument to %q", props)
	}
}
