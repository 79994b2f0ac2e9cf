// README's walk-through, run with openapi-fetch and the types openapi-typescript generated from the served document.
//
// Usage: node build/walkthrough.js http://127.0.0.1:PORT (the server, with the demo catalogue). The generated types
// are used as generated: tsc refuses this file when a path, parameter, field or enum value it uses is not in the
// document, and each step checks the status the server answers, so drift either way fails the run.
import createClient from "openapi-fetch";

import type { components, paths } from "./generated/api.js";

type Schemas = components["schemas"];

function expectData<D>(step: string, status: number, result: { data?: D; response: Response }): D {
  if (result.response.status !== status || result.data === undefined) {
    throw new Error(`${step}: expected ${status}, got HTTP ${result.response.status}`);
  }
  console.log(`  ${step}: ${status}`);
  return result.data;
}

function expectError<E>(step: string, status: number, result: { error?: E; response: Response }): E {
  if (result.response.status !== status || result.error === undefined) {
    throw new Error(`${step}: expected ${status}, got HTTP ${result.response.status}`);
  }
  console.log(`  ${step}: ${status}`);
  return result.error;
}

function check(condition: boolean, what: string): void {
  if (!condition) throw new Error(`not so: ${what}`);
}

// A 409 of booking, among the error bodies openapi-fetch types as one union for all error statuses.
function isSeatUnavailable(error: object): error is Schemas["SeatUnavailable"] {
  return "code" in error && error.code === "seat_unavailable" && "seats" in error && Array.isArray(error.seats);
}

function twoFreeSeats(seatMap: Schemas["SeatMap"]): string[] {
  for (const row of seatMap.rows) {
    for (let place = 0; place + 1 < row.seats.length; place++) {
      const [left, right] = [row.seats[place], row.seats[place + 1]];
      if (left.available && right.available) return [left.label, right.label];
    }
  }
  throw new Error("no two neighbouring seats are free");
}

function randomHex(): string {
  return Math.random().toString(16).slice(2, 10);
}

async function walkThrough(server: string): Promise<void> {
  const api = `${server}/api`;
  const client = createClient<paths>({ baseUrl: api });
  let access = "";
  client.use({
    onRequest({ request }) {
      if (access) request.headers.set("Authorization", `Bearer ${access}`);
      return request;
    },
  });
  const username = `ts-${randomHex()}`;
  const password = `s3cret-${randomHex()}${randomHex()}`;

  // 1. Sign up, then log in
  const signup = await client.POST("/auth/signup/", { body: { username, email: `${username}@example.com`, password } });
  const account: Schemas["User"] = expectData("sign up", 201, signup);
  check(signup.response.headers.get("Location") === `${api}/auth/me/`, "signup's Location is the account");
  const tokens = expectData("log in", 200, await client.POST("/auth/login/", { body: { username, password } }));
  access = tokens.access;

  // 2. Who am I?
  const me = expectData("who am I", 200, await client.GET("/auth/me/"));
  check(me.id === account.id && me.username === username, "me is the new account");
  access = "not-a-token";
  check(expectError("who am I, with a bad token", 401, await client.GET("/auth/me/")).code === "token_not_valid",
        "a bad token is token_not_valid");
  access = tokens.access;

  // 3. Browse: movies, screens, upcoming shows, one show, one movie's shows
  const movies = expectData("movies", 200, await client.GET("/movies/", {
    params: { query: { search: "orbit", ordering: "-release_date" } },
  }));
  check(movies.results.map((movie) => movie.title).join() === "Orbit of Ashes", "search finds the movie");
  check(expectData("screens", 200, await client.GET("/screens/")).count === 3, "three screens");
  const shows = expectData("shows", 200, await client.GET("/shows/", { params: { query: { page_size: 5 } } }));
  check(shows.results.length === 5 && shows.next !== null && shows.previous === null, "a first page of 5");
  const show = expectData("one show", 200, await client.GET("/shows/{id}/", {
    params: { path: { id: shows.results[0].id } },
  }));
  check(show.available_seats <= show.total_seats, "available seats are counted");
  const movieShows = expectData("one movie's shows", 200, await client.GET("/movies/{id}/shows/", {
    params: { path: { id: show.movie.id } },
  }));
  check(movieShows.results.some((listed) => listed.id === show.id), "the show is among its movie's shows");

  // 4. The seat map
  const seatMap = expectData("seat map", 200, await client.GET("/shows/{id}/seats/", {
    params: { path: { id: show.id } },
  }));
  check(seatMap.show === show.id && seatMap.available_seats === show.available_seats, "the seat map counts alike");
  const seats = twoFreeSeats(seatMap);

  // 5. Book two seats; one of them again is a 409 naming it
  const booked = await client.POST("/shows/{id}/book/", {
    params: { path: { id: show.id } }, body: { seat_numbers: seats },
  });
  const booking = expectData("book", 201, booked);
  check(booked.response.headers.get("Location") === `${api}/bookings/${booking.id}/`, "Location is the booking");
  check(booking.status === "CONFIRMED" && booking.seats.map((seat) => seat.label).join() === seats.join(),
        "the booking holds both seats");
  const taken = expectError("book a taken seat", 409, await client.POST("/shows/{id}/book/", {
    params: { path: { id: show.id } }, body: { seat_numbers: seats.slice(1) },
  }));
  check(isSeatUnavailable(taken) && taken.seats.join() === seats[1], "the 409 names the taken seat");

  // 6. My bookings, then one of them
  const mine = expectData("my bookings", 200, await client.GET("/my-bookings/", {
    params: { query: { status: "CONFIRMED" } },
  }));
  check(mine.results.map((listed) => listed.id).join() === String(booking.id), "my bookings list it");
  const read = expectData("one booking", 200, await client.GET("/bookings/{id}/", {
    params: { path: { id: booking.id } },
  }));
  check(read.total_price === booking.total_price, "the booking reads back");

  // 7. Cancel; cancelling again answers the same booking
  const cancel = () => client.POST("/bookings/{id}/cancel/", { params: { path: { id: booking.id } } });
  const cancelled = expectData("cancel", 200, await cancel());
  check(cancelled.status === "CANCELLED" && cancelled.cancelled_at !== null, "it is cancelled");
  check(expectData("cancel again", 200, await cancel()).cancelled_at === cancelled.cancelled_at, "same booking");

  // 8. Book again with an Idempotency-Key: the retry replays the first answer and books nothing more
  const key = `ts-order-${randomHex()}`;
  const withKey = () => client.POST("/shows/{id}/book/", {
    params: { path: { id: show.id }, header: { "Idempotency-Key": key } }, body: { seat_numbers: seats },
  });
  const first = await withKey();
  const retry = await withKey();
  check(expectData("book with a key", 201, first).id === expectData("retry it", 201, retry).id, "the same booking");
  check(first.response.headers.get("Idempotent-Replayed") === null
        && retry.response.headers.get("Idempotent-Replayed") === "true", "the retry says it is replayed");

  // 9. Refresh: a new pair; the old refresh token stops working
  const refresh = (token: string) => client.POST("/auth/token/refresh/", { body: { refresh: token } });
  const fresh = expectData("refresh", 200, await refresh(tokens.refresh));
  expectError("refresh with the used token", 401, await refresh(tokens.refresh));
  access = fresh.access;

  // 10. Log out: 205, no body; the refresh token is blacklisted
  const logout = await client.POST("/auth/logout/", { body: { refresh: fresh.refresh } });
  check(logout.response.status === 205, `log out answers 205, not ${logout.response.status}`);
  console.log("  log out: 205");
  expectError("refresh after logging out", 401, await refresh(fresh.refresh));

  // Health
  check(expectData("health", 200, await client.GET("/health/")).database === "ok", "the database answers");
}

console.log("TypeScript client (openapi-typescript + openapi-fetch):");
await walkThrough(process.argv[2]);
console.log("TypeScript client: the whole walk-through passed");
