// Command kvstore keeps key/value pairs in SQLite through the cgo driver
// github.com/mattn/go-sqlite3: `kvstore [-db FILE] key=value ... key ...`.
package main

import (
	"database/sql"
	"flag"
	"fmt"
	"os"
	"strings"

	_ "github.com/mattn/go-sqlite3"

	"example.com/cgo/internal/version"
)

func main() {
	db := flag.String("db", ":memory:", "SQLite database file")
	showVersion := flag.Bool("version", false, "print the version and exit")
	flag.Parse()
	if *showVersion {
		fmt.Println(version.String("kvstore"))
		return
	}
	if err := run(*db, flag.Args()); err != nil {
		fmt.Fprintln(os.Stderr, "kvstore:", err)
		os.Exit(1)
	}
}

func run(path string, args []string) error {
	db, err := sql.Open("sqlite3", path)
	if err != nil {
		return err
	}
	defer db.Close()
	var v string
	if err := db.QueryRow("select sqlite_version()").Scan(&v); err != nil {
		return err
	}
	fmt.Println("sqlite", v)
	if _, err := db.Exec("create table if not exists kv (k text primary key, v text)"); err != nil {
		return err
	}
	for _, a := range args {
		if k, val, ok := strings.Cut(a, "="); ok {
			if _, err := db.Exec("insert or replace into kv values (?, ?)", k, val); err != nil {
				return err
			}
			continue
		}
		if err := db.QueryRow("select v from kv where k = ?", a).Scan(&v); err != nil {
			return fmt.Errorf("%s: %w", a, err)
		}
		fmt.Printf("%s=%s\n", a, v)
	}
	return nil
}
