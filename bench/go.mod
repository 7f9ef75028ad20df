module github.com/sessiongen/sessiongen/bench

go 1.25.0

replace github.com/sessiongen/sessiongen => ../

require (
	github.com/alexedwards/scs/pgxstore v0.0.0-20251002162104-209de6e426de
	github.com/alexedwards/scs/redisstore v0.0.0-20251002162104-209de6e426de
	github.com/alexedwards/scs/v2 v2.9.0
	github.com/gomodule/redigo v1.9.3
	github.com/gorilla/sessions v1.4.0
	github.com/jackc/pgx/v5 v5.12.0
	github.com/redis/go-redis/v9 v9.22.0
	github.com/sessiongen/sessiongen v0.0.0
	github.com/wader/gormstore/v2 v2.0.3
	gorm.io/driver/postgres v1.6.3
	gorm.io/gorm v1.31.2
)

require (
	golang.org/x/mod v0.39.0 // indirect
	golang.org/x/tools v0.49.0 // indirect
)

require (
	github.com/cespare/xxhash/v2 v2.3.0 // indirect
	github.com/dave/jennifer v1.7.1 // indirect
	github.com/gorilla/securecookie v1.1.2 // indirect
	github.com/jackc/pgpassfile v1.0.0 // indirect
	github.com/jackc/pgservicefile v0.0.0-20240606120523-5a60cdf6a761 // indirect
	github.com/jackc/puddle/v2 v2.2.3 // indirect
	github.com/jinzhu/inflection v1.0.0 // indirect
	github.com/jinzhu/now v1.1.5 // indirect
	github.com/sessiongen/sessiongen/runtime/cachestore v0.0.0
	github.com/sessiongen/sessiongen/runtime/redisstore v0.0.0
	go.uber.org/atomic v1.11.0 // indirect
	golang.org/x/sync v0.22.0 // indirect
	golang.org/x/sys v0.47.0 // indirect
	golang.org/x/text v0.41.0 // indirect
	gopkg.in/yaml.v3 v3.0.1 // indirect
)

tool github.com/sessiongen/sessiongen/cmd/sessiongen

replace github.com/sessiongen/sessiongen/runtime/cachestore => ../runtime/cachestore

replace github.com/sessiongen/sessiongen/runtime/redisstore => ../runtime/redisstore
