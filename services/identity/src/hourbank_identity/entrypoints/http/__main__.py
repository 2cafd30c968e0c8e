from hourbank_identity.entrypoints.http.app import main

main()
