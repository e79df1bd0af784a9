import Hummingbird

/// `GET /api/openapi.json`: the OpenAPI 3.1 description of the management API the dashboard
/// uses (sources, OAuth start, executions, catalog, tokens, me, admin), written by hand from
/// the handlers, with their error responses and bearer authentication.
enum OpenAPISpec {
    static func register(on router: Router<FrontendContext>) {
        router.get("/api/openapi.json") { _, _ in
            Response(status: .ok, headers: [.contentType: "application/json", .cacheControl: "public, max-age=300"],
                     body: .init(byteBuffer: ByteBuffer(string: document)))
        }
    }

    static let document = #"""
{
 "openapi": "3.1.0",
 "info": {
  "title": "Junction management API",
  "version": "1",
  "description": "Register upstream sources (OpenAPI-described HTTP APIs and MCP servers), search the catalog, read the execution log, manage personal tokens and (administrators) users. Authenticate with `Authorization: Bearer <token>` (a personal API token or an OAuth access token) or, from the dashboard, the session cookie plus `X-CSRF-Token` on unsafe methods. Errors are `{\"error\": {\"code\", \"message\"}}`. Secrets are write-only."
 },
 "servers": [
  {
   "url": "/"
  }
 ],
 "security": [
  {
   "bearerAuth": []
  }
 ],
 "paths": {
  "/api/v1/me": {
   "get": {
    "operationId": "getMe",
    "summary": "The signed-in user",
    "tags": [
     "account"
    ],
    "responses": {
     "200": {
      "description": "the user",
      "content": {
       "application/json": {
        "schema": {
         "$ref": "#/components/schemas/Me"
        }
       }
      }
     },
     "401": {
      "$ref": "#/components/responses/Unauthorized"
     },
     "403": {
      "$ref": "#/components/responses/Forbidden"
     }
    }
   }
  },
  "/api/v1/sources": {
   "get": {
    "operationId": "listSources",
    "summary": "Your sources",
    "tags": [
     "sources"
    ],
    "responses": {
     "200": {
      "description": "the sources",
      "content": {
       "application/json": {
        "schema": {
         "type": "object",
         "required": [
          "sources"
         ],
         "properties": {
          "sources": {
           "type": "array",
           "items": {
            "$ref": "#/components/schemas/Source"
           }
          }
         }
        }
       }
      }
     },
     "401": {
      "$ref": "#/components/responses/Unauthorized"
     },
     "403": {
      "$ref": "#/components/responses/Forbidden"
     }
    }
   },
   "post": {
    "operationId": "createSource",
    "summary": "Register a source; queues its first refresh (OAuth sources wait for sign-in)",
    "tags": [
     "sources"
    ],
    "requestBody": {
     "required": true,
     "content": {
      "application/json": {
       "schema": {
        "$ref": "#/components/schemas/SourceCreate"
       }
      }
     }
    },
    "responses": {
     "201": {
      "description": "the new source",
      "content": {
       "application/json": {
        "schema": {
         "$ref": "#/components/schemas/Source"
        }
       }
      }
     },
     "401": {
      "$ref": "#/components/responses/Unauthorized"
     },
     "403": {
      "$ref": "#/components/responses/Forbidden"
     },
     "400": {
      "$ref": "#/components/responses/BadRequest"
     },
     "409": {
      "$ref": "#/components/responses/Conflict"
     },
     "413": {
      "$ref": "#/components/responses/TooLarge"
     },
     "503": {
      "$ref": "#/components/responses/Unavailable"
     }
    }
   }
  },
  "/api/v1/sources/{slug}": {
   "parameters": [
    {
     "name": "slug",
     "in": "path",
     "required": true,
     "schema": {
      "type": "string",
      "minLength": 1
     },
     "description": "the source's slug"
    }
   ],
   "get": {
    "operationId": "getSource",
    "summary": "One source",
    "tags": [
     "sources"
    ],
    "responses": {
     "200": {
      "description": "the source",
      "content": {
       "application/json": {
        "schema": {
         "$ref": "#/components/schemas/Source"
        }
       }
      }
     },
     "401": {
      "$ref": "#/components/responses/Unauthorized"
     },
     "403": {
      "$ref": "#/components/responses/Forbidden"
     },
     "404": {
      "$ref": "#/components/responses/NotFound"
     }
    }
   },
   "patch": {
    "operationId": "updateSource",
    "summary": "Edit name, URLs or auth, rotate the secret, enable or disable",
    "tags": [
     "sources"
    ],
    "description": "Absent fields stay unchanged. Changing a URL or the authentication queues a refresh. A secret left out keeps the stored one; a new one rotates it. The secret stays bound to the origin it was entered for: a change that moves the source to another origin (baseUrl or auth.origin) without a new secret in the same request is refused with 409 secret_origin_changed, and nothing changes.",
    "requestBody": {
     "required": true,
     "content": {
      "application/json": {
       "schema": {
        "$ref": "#/components/schemas/SourceUpdate"
       }
      }
     }
    },
    "responses": {
     "200": {
      "description": "the updated source",
      "content": {
       "application/json": {
        "schema": {
         "$ref": "#/components/schemas/Source"
        }
       }
      }
     },
     "401": {
      "$ref": "#/components/responses/Unauthorized"
     },
     "403": {
      "$ref": "#/components/responses/Forbidden"
     },
     "400": {
      "$ref": "#/components/responses/BadRequest"
     },
     "404": {
      "$ref": "#/components/responses/NotFound"
     },
     "409": {
      "$ref": "#/components/responses/Conflict"
     },
     "413": {
      "$ref": "#/components/responses/TooLarge"
     },
     "503": {
      "$ref": "#/components/responses/Unavailable"
     }
    }
   },
   "delete": {
    "operationId": "deleteSource",
    "summary": "Delete a source with its catalog entries and secret",
    "tags": [
     "sources"
    ],
    "responses": {
     "204": {
      "description": "deleted"
     },
     "401": {
      "$ref": "#/components/responses/Unauthorized"
     },
     "403": {
      "$ref": "#/components/responses/Forbidden"
     },
     "404": {
      "$ref": "#/components/responses/NotFound"
     }
    }
   }
  },
  "/api/v1/sources/{slug}/refresh": {
   "parameters": [
    {
     "name": "slug",
     "in": "path",
     "required": true,
     "schema": {
      "type": "string",
      "minLength": 1
     },
     "description": "the source's slug"
    }
   ],
   "post": {
    "operationId": "refreshSource",
    "summary": "Queue a refresh (status becomes queued, then refreshing, then ready or error); a refresh already queued is not queued again",
    "tags": [
     "sources"
    ],
    "responses": {
     "202": {
      "description": "queued (or already queued)",
      "content": {
       "application/json": {
        "schema": {
         "type": "object",
         "required": [
          "status",
          "source",
          "alreadyQueued"
         ],
         "properties": {
          "status": {
           "const": "queued"
          },
          "source": {
           "type": "string"
          },
          "alreadyQueued": {
           "type": "boolean",
           "description": "true when a refresh of this source was queued already and nothing new was queued"
          },
          "message": {
           "type": "string"
          }
         }
        }
       }
      }
     },
     "401": {
      "$ref": "#/components/responses/Unauthorized"
     },
     "403": {
      "$ref": "#/components/responses/Forbidden"
     },
     "404": {
      "$ref": "#/components/responses/NotFound"
     },
     "503": {
      "$ref": "#/components/responses/Unavailable"
     }
    }
   }
  },
  "/api/v1/sources/{slug}/oauth/start": {
   "parameters": [
    {
     "name": "slug",
     "in": "path",
     "required": true,
     "schema": {
      "type": "string",
      "minLength": 1
     },
     "description": "the source's slug"
    }
   ],
   "post": {
    "operationId": "startSourceOAuth",
    "summary": "Start signing in to an OAuth-protected MCP source",
    "tags": [
     "sources"
    ],
    "description": "Discovers the server's authorization server, registers Junction as a client, and returns the URL to open (in a popup). The callback page tells the opener with postMessage to Junction's own origin.",
    "requestBody": {
     "required": false,
     "content": {
      "application/json": {
       "schema": {
        "type": "object",
        "properties": {
         "forceConsent": {
          "type": "boolean"
         }
        }
       }
      }
     }
    },
    "responses": {
     "200": {
      "description": "where to send the person",
      "content": {
       "application/json": {
        "schema": {
         "type": "object",
         "required": [
          "authorizationUrl"
         ],
         "properties": {
          "authorizationUrl": {
           "type": "string",
           "format": "uri"
          }
         }
        }
       }
      }
     },
     "401": {
      "$ref": "#/components/responses/Unauthorized"
     },
     "403": {
      "$ref": "#/components/responses/Forbidden"
     },
     "400": {
      "$ref": "#/components/responses/BadRequest"
     },
     "404": {
      "$ref": "#/components/responses/NotFound"
     },
     "413": {
      "$ref": "#/components/responses/TooLarge"
     },
     "502": {
      "$ref": "#/components/responses/BadGateway"
     },
     "503": {
      "$ref": "#/components/responses/Unavailable"
     }
    }
   }
  },
  "/api/v1/executions": {
   "get": {
    "operationId": "listExecutions",
    "summary": "Your search/execute runs, newest first",
    "tags": [
     "executions"
    ],
    "parameters": [
     {
      "name": "limit",
      "in": "query",
      "schema": {
       "type": "integer",
       "minimum": 1,
       "maximum": 200,
       "default": 50
      }
     },
     {
      "name": "before",
      "in": "query",
      "schema": {
       "type": "string"
      },
      "description": "the `next` of the previous page"
     }
    ],
    "responses": {
     "200": {
      "description": "a page of runs",
      "content": {
       "application/json": {
        "schema": {
         "type": "object",
         "required": [
          "executions"
         ],
         "properties": {
          "executions": {
           "type": "array",
           "items": {
            "$ref": "#/components/schemas/Execution"
           }
          },
          "next": {
           "type": "string"
          }
         }
        }
       }
      }
     },
     "401": {
      "$ref": "#/components/responses/Unauthorized"
     },
     "403": {
      "$ref": "#/components/responses/Forbidden"
     }
    }
   }
  },
  "/api/v1/catalog": {
   "get": {
    "operationId": "searchCatalog",
    "summary": "Search enabled catalog entries, ranked like codemode.catalog",
    "tags": [
     "catalog"
    ],
    "parameters": [
     {
      "name": "q",
      "in": "query",
      "schema": {
       "type": "string"
      },
      "description": "words to search for; empty lists entries by call name"
     },
     {
      "name": "source",
      "in": "query",
      "schema": {
       "type": "string"
      },
      "description": "only this source's slug"
     },
     {
      "name": "type",
      "in": "query",
      "schema": {
       "type": "string",
       "enum": [
        "openapi",
        "mcp"
       ]
      }
     },
     {
      "name": "kind",
      "in": "query",
      "schema": {
       "type": "string",
       "enum": [
        "operation",
        "tool"
       ]
      }
     },
     {
      "name": "match",
      "in": "query",
      "schema": {
       "type": "string",
       "enum": [
        "any",
        "all"
       ],
       "default": "any"
      }
     },
     {
      "name": "limit",
      "in": "query",
      "schema": {
       "type": "integer",
       "minimum": 1,
       "maximum": 50,
       "default": 10
      }
     }
    ],
    "responses": {
     "200": {
      "description": "ranked hits",
      "content": {
       "application/json": {
        "schema": {
         "type": "object",
         "required": [
          "results",
          "count"
         ],
         "properties": {
          "results": {
           "type": "array",
           "items": {
            "$ref": "#/components/schemas/CatalogHit"
           }
          },
          "count": {
           "type": "integer"
          }
         }
        }
       }
      }
     },
     "401": {
      "$ref": "#/components/responses/Unauthorized"
     },
     "403": {
      "$ref": "#/components/responses/Forbidden"
     },
     "400": {
      "$ref": "#/components/responses/BadRequest"
     }
    }
   }
  },
  "/api/v1/tokens": {
   "get": {
    "operationId": "listTokens",
    "summary": "Your personal API tokens (never the secret)",
    "tags": [
     "account"
    ],
    "responses": {
     "200": {
      "description": "tokens",
      "content": {
       "application/json": {
        "schema": {
         "type": "object",
         "required": [
          "tokens"
         ],
         "properties": {
          "tokens": {
           "type": "array",
           "items": {
            "$ref": "#/components/schemas/Token"
           }
          }
         }
        }
       }
      }
     },
     "401": {
      "$ref": "#/components/responses/Unauthorized"
     },
     "403": {
      "$ref": "#/components/responses/Forbidden"
     }
    }
   },
   "post": {
    "operationId": "createToken",
    "summary": "Create a token; the secret is in this response only",
    "tags": [
     "account"
    ],
    "requestBody": {
     "required": true,
     "content": {
      "application/json": {
       "schema": {
        "type": "object",
        "properties": {
         "name": {
          "type": "string",
          "minLength": 1,
          "maxLength": 100
         }
        }
       }
      }
     }
    },
    "responses": {
     "201": {
      "description": "the token with its secret",
      "content": {
       "application/json": {
        "schema": {
         "allOf": [
          {
           "$ref": "#/components/schemas/Token"
          },
          {
           "type": "object",
           "required": [
            "token"
           ],
           "properties": {
            "token": {
             "type": "string"
            }
           }
          }
         ]
        }
       }
      }
     },
     "401": {
      "$ref": "#/components/responses/Unauthorized"
     },
     "403": {
      "$ref": "#/components/responses/Forbidden"
     },
     "400": {
      "$ref": "#/components/responses/BadRequest"
     },
     "413": {
      "$ref": "#/components/responses/TooLarge"
     }
    }
   }
  },
  "/api/v1/tokens/{id}": {
   "parameters": [
    {
     "name": "id",
     "in": "path",
     "required": true,
     "schema": {
      "type": "string",
      "minLength": 1
     }
    }
   ],
   "delete": {
    "operationId": "revokeToken",
    "summary": "Revoke a token",
    "tags": [
     "account"
    ],
    "responses": {
     "204": {
      "description": "revoked"
     },
     "401": {
      "$ref": "#/components/responses/Unauthorized"
     },
     "403": {
      "$ref": "#/components/responses/Forbidden"
     },
     "404": {
      "$ref": "#/components/responses/NotFound"
     }
    }
   }
  },
  "/api/v1/admin/users": {
   "get": {
    "operationId": "listUsers",
    "summary": "All users (administrators only)",
    "tags": [
     "admin"
    ],
    "responses": {
     "200": {
      "description": "users",
      "content": {
       "application/json": {
        "schema": {
         "type": "object",
         "required": [
          "users"
         ],
         "properties": {
          "users": {
           "type": "array",
           "items": {
            "$ref": "#/components/schemas/User"
           }
          }
         }
        }
       }
      }
     },
     "401": {
      "$ref": "#/components/responses/Unauthorized"
     },
     "403": {
      "$ref": "#/components/responses/Forbidden"
     }
    }
   },
   "post": {
    "operationId": "createUser",
    "summary": "Add a user, optionally with a password for a built-in account",
    "tags": [
     "admin"
    ],
    "requestBody": {
     "required": true,
     "content": {
      "application/json": {
       "schema": {
        "type": "object",
        "required": [
         "email"
        ],
        "properties": {
         "email": {
          "type": "string",
          "format": "email"
         },
         "password": {
          "type": "string",
          "minLength": 10
         },
         "isAdmin": {
          "type": "boolean"
         }
        }
       }
      }
     }
    },
    "responses": {
     "201": {
      "description": "the user",
      "content": {
       "application/json": {
        "schema": {
         "$ref": "#/components/schemas/User"
        }
       }
      }
     },
     "401": {
      "$ref": "#/components/responses/Unauthorized"
     },
     "403": {
      "$ref": "#/components/responses/Forbidden"
     },
     "400": {
      "$ref": "#/components/responses/BadRequest"
     },
     "409": {
      "$ref": "#/components/responses/Conflict"
     },
     "413": {
      "$ref": "#/components/responses/TooLarge"
     }
    }
   }
  },
  "/api/v1/admin/users/{id}": {
   "parameters": [
    {
     "name": "id",
     "in": "path",
     "required": true,
     "schema": {
      "type": "string",
      "minLength": 1
     }
    }
   ],
   "patch": {
    "operationId": "setUserDisabled",
    "summary": "Disable or enable a user",
    "tags": [
     "admin"
    ],
    "requestBody": {
     "required": true,
     "content": {
      "application/json": {
       "schema": {
        "type": "object",
        "required": [
         "disabled"
        ],
        "properties": {
         "disabled": {
          "type": "boolean"
         }
        }
       }
      }
     }
    },
    "responses": {
     "200": {
      "description": "the user",
      "content": {
       "application/json": {
        "schema": {
         "$ref": "#/components/schemas/User"
        }
       }
      }
     },
     "401": {
      "$ref": "#/components/responses/Unauthorized"
     },
     "403": {
      "$ref": "#/components/responses/Forbidden"
     },
     "400": {
      "$ref": "#/components/responses/BadRequest"
     },
     "404": {
      "$ref": "#/components/responses/NotFound"
     },
     "413": {
      "$ref": "#/components/responses/TooLarge"
     }
    }
   }
  },
  "/api/v1/admin/allowlist": {
   "get": {
    "operationId": "listAllowlist",
    "summary": "Who may create an account by signing in",
    "tags": [
     "admin"
    ],
    "responses": {
     "200": {
      "description": "entries",
      "content": {
       "application/json": {
        "schema": {
         "type": "object",
         "required": [
          "entries"
         ],
         "properties": {
          "entries": {
           "type": "array",
           "items": {
            "$ref": "#/components/schemas/AllowlistEntry"
           }
          }
         }
        }
       }
      }
     },
     "401": {
      "$ref": "#/components/responses/Unauthorized"
     },
     "403": {
      "$ref": "#/components/responses/Forbidden"
     }
    }
   },
   "post": {
    "operationId": "addAllowlistEntry",
    "summary": "Allow an email address or a domain",
    "tags": [
     "admin"
    ],
    "requestBody": {
     "required": true,
     "content": {
      "application/json": {
       "schema": {
        "oneOf": [
         {
          "type": "object",
          "required": [
           "email"
          ],
          "properties": {
           "email": {
            "type": "string",
            "format": "email"
           }
          }
         },
         {
          "type": "object",
          "required": [
           "domain"
          ],
          "properties": {
           "domain": {
            "type": "string",
            "description": "example.com or @example.com"
           }
          }
         }
        ]
       }
      }
     }
    },
    "responses": {
     "201": {
      "description": "the entry",
      "content": {
       "application/json": {
        "schema": {
         "$ref": "#/components/schemas/AllowlistEntry"
        }
       }
      }
     },
     "401": {
      "$ref": "#/components/responses/Unauthorized"
     },
     "403": {
      "$ref": "#/components/responses/Forbidden"
     },
     "400": {
      "$ref": "#/components/responses/BadRequest"
     },
     "409": {
      "$ref": "#/components/responses/Conflict"
     },
     "413": {
      "$ref": "#/components/responses/TooLarge"
     }
    }
   }
  },
  "/api/v1/admin/allowlist/{id}": {
   "parameters": [
    {
     "name": "id",
     "in": "path",
     "required": true,
     "schema": {
      "type": "string",
      "minLength": 1
     }
    }
   ],
   "delete": {
    "operationId": "removeAllowlistEntry",
    "summary": "Remove an allowlist entry",
    "tags": [
     "admin"
    ],
    "responses": {
     "204": {
      "description": "removed"
     },
     "401": {
      "$ref": "#/components/responses/Unauthorized"
     },
     "403": {
      "$ref": "#/components/responses/Forbidden"
     },
     "404": {
      "$ref": "#/components/responses/NotFound"
     }
    }
   }
  }
 },
 "components": {
  "securitySchemes": {
   "bearerAuth": {
    "type": "http",
    "scheme": "bearer",
    "description": "a personal API token (jct_…) or an OAuth access token issued by Junction"
   }
  },
  "responses": {
   "BadRequest": {
    "description": "invalid input",
    "content": {
     "application/json": {
      "schema": {
       "$ref": "#/components/schemas/Error"
      }
     }
    }
   },
   "Unauthorized": {
    "description": "missing, invalid or expired credentials",
    "headers": {
     "WWW-Authenticate": {
      "schema": {
       "type": "string"
      }
     }
    },
    "content": {
     "application/json": {
      "schema": {
       "$ref": "#/components/schemas/Error"
      }
     }
    }
   },
   "Forbidden": {
    "description": "not allowed (administrators only, or a cookie request without its X-CSRF-Token)",
    "content": {
     "application/json": {
      "schema": {
       "$ref": "#/components/schemas/Error"
      }
     }
    }
   },
   "NotFound": {
    "description": "no such object among yours",
    "content": {
     "application/json": {
      "schema": {
       "$ref": "#/components/schemas/Error"
      }
     }
    }
   },
   "Conflict": {
    "description": "it exists already",
    "content": {
     "application/json": {
      "schema": {
       "$ref": "#/components/schemas/Error"
      }
     }
    }
   },
   "TooLarge": {
    "description": "the request body is too large",
    "content": {
     "application/json": {
      "schema": {
       "$ref": "#/components/schemas/Error"
      }
     }
    }
   },
   "BadGateway": {
    "description": "the upstream could not be reached or answered badly",
    "content": {
     "application/json": {
      "schema": {
       "$ref": "#/components/schemas/Error"
      }
     }
    }
   },
   "Unavailable": {
    "description": "the job queue is unavailable; try again shortly",
    "content": {
     "application/json": {
      "schema": {
       "$ref": "#/components/schemas/Error"
      }
     }
    }
   }
  },
  "schemas": {
   "Error": {
    "type": "object",
    "required": [
     "error"
    ],
    "properties": {
     "error": {
      "type": "object",
      "required": [
       "code",
       "message"
      ],
      "properties": {
       "code": {
        "type": "string"
       },
       "message": {
        "type": "string"
       }
      }
     }
    }
   },
   "Me": {
    "type": "object",
    "required": [
     "id",
     "email",
     "isAdmin"
    ],
    "properties": {
     "id": {
      "type": "string"
     },
     "email": {
      "type": "string"
     },
     "isAdmin": {
      "type": "boolean"
     }
    }
   },
   "SourceAuth": {
    "type": "object",
    "required": [
     "type",
     "hasSecret"
    ],
    "properties": {
     "type": {
      "type": "string"
     },
     "headerName": {
      "type": [
       "string",
       "null"
      ],
      "description": "header name (header auth) or query parameter (query auth)"
     },
     "hasSecret": {
      "type": "boolean"
     }
    }
   },
   "Source": {
    "type": "object",
    "required": [
     "id",
     "slug",
     "type",
     "name",
     "enabled",
     "status",
     "entryCount",
     "auth",
     "createdAt"
    ],
    "properties": {
     "id": {
      "type": "string"
     },
     "slug": {
      "type": "string"
     },
     "type": {
      "type": "string",
      "enum": [
       "openapi",
       "mcp"
      ]
     },
     "name": {
      "type": "string"
     },
     "baseUrl": {
      "type": [
       "string",
       "null"
      ]
     },
     "specUrl": {
      "type": [
       "string",
       "null"
      ]
     },
     "enabled": {
      "type": "boolean"
     },
     "status": {
      "type": "string",
      "description": "pending, queued, refreshing, ready, error, needs_sign_in, needs_secret (a secret stored before origins were recorded, on a source without baseUrl: enter it again with baseUrl or auth.origin)"
     },
     "entryCount": {
      "type": "integer"
     },
     "lastRefreshAt": {
      "type": [
       "string",
       "null"
      ],
      "format": "date-time"
     },
     "lastError": {
      "type": [
       "string",
       "null"
      ]
     },
     "auth": {
      "$ref": "#/components/schemas/SourceAuth"
     },
     "secretOrigin": {
      "type": [
       "string",
       "null"
      ],
      "description": "the origin (scheme://host[:port]) the secret is sent to, and nowhere else; null without a secret"
     },
     "createdAt": {
      "type": "string",
      "format": "date-time"
     }
    }
   },
   "SourceCreate": {
    "type": "object",
    "required": [
     "slug",
     "type"
    ],
    "properties": {
     "slug": {
      "type": "string",
      "pattern": "^[a-z][a-z0-9_]{0,39}$"
     },
     "type": {
      "type": "string",
      "enum": [
       "openapi",
       "mcp"
      ]
     },
     "name": {
      "type": "string",
      "maxLength": 200
     },
     "baseUrl": {
      "type": [
       "string",
       "null"
      ],
      "format": "uri",
      "maxLength": 2048
     },
     "specUrl": {
      "type": [
       "string",
       "null"
      ],
      "format": "uri",
      "maxLength": 2048
     },
     "auth": {
      "type": "object",
      "properties": {
       "type": {
        "type": "string",
        "enum": [
         "none",
         "bearer",
         "header",
         "query",
         "basic",
         "oauth"
        ]
       },
       "headerName": {
        "type": "string",
        "description": "header auth: the header carrying the secret"
       },
       "paramName": {
        "type": "string",
        "description": "query auth: the query parameter carrying the secret"
       },
       "secret": {
        "type": "string",
        "description": "write-only: bearer token, API key, or user:password for basic"
       },
       "origin": {
        "type": "string",
        "description": "the origin the secret is for (e.g. https://api.example.com); defaults to baseUrl's origin and must match it; needed for a secret on an OpenAPI source without baseUrl"
       }
      }
     }
    }
   },
   "SourceUpdate": {
    "type": "object",
    "additionalProperties": false,
    "properties": {
     "name": {
      "type": "string",
      "minLength": 1,
      "maxLength": 200
     },
     "baseUrl": {
      "type": [
       "string",
       "null"
      ],
      "format": "uri",
      "maxLength": 2048
     },
     "specUrl": {
      "type": [
       "string",
       "null"
      ],
      "format": "uri",
      "maxLength": 2048
     },
     "enabled": {
      "type": "boolean"
     },
     "auth": {
      "type": "object",
      "properties": {
       "type": {
        "type": "string",
        "enum": [
         "none",
         "bearer",
         "header",
         "query",
         "basic",
         "oauth"
        ]
       },
       "headerName": {
        "type": "string",
        "description": "header auth: the header carrying the secret"
       },
       "paramName": {
        "type": "string",
        "description": "query auth: the query parameter carrying the secret"
       },
       "secret": {
        "type": "string",
        "description": "write-only: bearer token, API key, or user:password for basic"
       },
       "origin": {
        "type": "string",
        "description": "the origin the secret is for (e.g. https://api.example.com); defaults to baseUrl's origin and must match it; needed for a secret on an OpenAPI source without baseUrl"
       }
      }
     },
     "slug": {
      "type": "string",
      "description": "must equal the current slug"
     },
     "type": {
      "type": "string",
      "description": "must equal the current type"
     }
    }
   },
   "Execution": {
    "type": "object",
    "required": [
     "id",
     "tool",
     "status",
     "durationMs",
     "code",
     "calls",
     "createdAt"
    ],
    "properties": {
     "id": {
      "type": "string"
     },
     "tool": {
      "type": "string"
     },
     "status": {
      "type": "string"
     },
     "durationMs": {
      "type": "number"
     },
     "code": {
      "type": "string"
     },
     "calls": {},
     "resultPreview": {
      "type": [
       "string",
       "null"
      ]
     },
     "error": {
      "type": [
       "string",
       "null"
      ]
     },
     "createdAt": {
      "type": "string",
      "format": "date-time"
     }
    }
   },
   "CatalogHit": {
    "type": "object",
    "required": [
     "callName",
     "source",
     "kind",
     "title",
     "description",
     "signature"
    ],
    "properties": {
     "callName": {
      "type": "string"
     },
     "source": {
      "type": "string"
     },
     "kind": {
      "type": "string"
     },
     "title": {
      "type": "string"
     },
     "description": {
      "type": "string"
     },
     "method": {
      "type": [
       "string",
       "null"
      ]
     },
     "path": {
      "type": [
       "string",
       "null"
      ]
     },
     "signature": {
      "type": "string",
      "description": "one-line TypeScript signature"
     },
     "matched": {
      "type": "array",
      "items": {
       "type": "string"
      },
      "description": "why the entry matched: each query word that did, and through what when not itself (\"files→file\", \"group→team\", \"list→GET on a collection\")"
     }
    }
   },
   "Token": {
    "type": "object",
    "required": [
     "id",
     "name",
     "createdAt"
    ],
    "properties": {
     "id": {
      "type": "string"
     },
     "name": {
      "type": "string"
     },
     "createdAt": {
      "type": "string",
      "format": "date-time"
     },
     "lastUsedAt": {
      "type": [
       "string",
       "null"
      ],
      "format": "date-time"
     },
     "revokedAt": {
      "type": [
       "string",
       "null"
      ],
      "format": "date-time"
     }
    }
   },
   "User": {
    "type": "object",
    "required": [
     "id",
     "email",
     "isAdmin",
     "disabled",
     "createdAt"
    ],
    "properties": {
     "id": {
      "type": "string"
     },
     "email": {
      "type": "string"
     },
     "isAdmin": {
      "type": "boolean"
     },
     "disabled": {
      "type": "boolean"
     },
     "createdAt": {
      "type": "string",
      "format": "date-time"
     }
    }
   },
   "AllowlistEntry": {
    "type": "object",
    "required": [
     "id",
     "kind",
     "value",
     "createdAt"
    ],
    "properties": {
     "id": {
      "type": "string"
     },
     "kind": {
      "type": "string",
      "enum": [
       "email",
       "domain"
      ]
     },
     "value": {
      "type": "string"
     },
     "createdAt": {
      "type": "string",
      "format": "date-time"
     }
    }
   }
  }
 }
}
"""#
}
