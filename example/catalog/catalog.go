// Package catalog is the example shop's product list and the cart line it
// keeps in the session.
package catalog

import (
	"fmt"
	"slices"
)

// Product is something the shop sells.
type Product struct {
	ID          string
	Name        string
	PriceCents  int64
	Description string
}

// Price returns the product's price formatted in euros.
func (p Product) Price() string { return FormatCents(p.PriceCents) }

// CartLine is one product in the cart with its quantity. It is stored in
// the session as JSON, by its import path in sessions.yaml.
type CartLine struct {
	ProductID string `json:"product_id"`
	Quantity  int    `json:"quantity"`
}

// Products lists what the shop sells, in display order.
var Products = []Product{
	{ID: "tea", Name: "Green tea", PriceCents: 450, Description: "Sencha, 100 g."},
	{ID: "mug", Name: "Stoneware mug", PriceCents: 1200, Description: "Holds 350 ml."},
	{ID: "pot", Name: "Cast-iron teapot", PriceCents: 3900, Description: "For four cups."},
	{ID: "honey", Name: "Heather honey", PriceCents: 800, Description: "250 g jar."},
}

// Lookup returns the product with the given ID.
func Lookup(id string) (Product, bool) {
	i := slices.IndexFunc(Products, func(p Product) bool { return p.ID == id })
	if i < 0 {
		return Product{}, false
	}
	return Products[i], true
}

// Add returns cart with one more of product id.
func Add(cart []CartLine, id string) []CartLine {
	for i := range cart {
		if cart[i].ProductID == id {
			cart[i].Quantity++
			return cart
		}
	}
	return append(cart, CartLine{ProductID: id, Quantity: 1})
}

// Remove returns cart with one fewer of product id, dropping the line when
// none is left.
func Remove(cart []CartLine, id string) []CartLine {
	for i := range cart {
		if cart[i].ProductID != id {
			continue
		}
		cart[i].Quantity--
		if cart[i].Quantity <= 0 {
			return slices.Delete(cart, i, i+1)
		}
		return cart
	}
	return cart
}

// Count returns how many items the cart holds.
func Count(cart []CartLine) int {
	n := 0
	for _, l := range cart {
		n += l.Quantity
	}
	return n
}

// FormatCents formats an amount of euro cents, as "€12.34".
func FormatCents(c int64) string { return fmt.Sprintf("€%d.%02d", c/100, c%100) }
