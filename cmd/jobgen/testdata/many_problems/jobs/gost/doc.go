package gost
