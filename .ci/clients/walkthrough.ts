// README's walk-through, then its payment flow, run with openapi-fetch and the types openapi-typescript generated
// from the served document.
//
// Usage: node build/walkthrough.js SERVER PAID_SERVER STRIPE: the URLs (http://127.0.0.1:PORT) of the server, of one
// with PAYMENT_PROVIDER=stripe (both with the demo catalogue), and of the localstripe that one pays through. The
// generated types are used as generated: tsc refuses this file when a path, parameter, field or enum value it uses
// is not in the document, and each step checks the status the server answers, so drift either way fails the run.
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

function check(condition: boolean, what: string): asserts condition {
  if (!condition) throw new Error(`not so: ${what}`);
}

// A 409 of booking, among the error bodies openapi-fetch types as one union for all error statuses.
function isSeatUnavailable(error: object): error is Schemas["SeatUnavailable"] {
  return "code" in error && error.code === "seat_unavailable" && "seats" in error && Array.isArray(error.seats);
}

// A 409 of check-in names when the first scan let the ticket in.
function checkedInAt(error: object): string | null {
  return "checked_in_at" in error && typeof error.checked_in_at === "string" ? error.checked_in_at : null;
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

// Prices are decimal strings; sums are compared in cents.
function cents(price: string): number {
  return Math.round(Number(price) * 100);
}

const TICKET_CODE = /^[A-Za-z0-9_-]{16,}$/;
const STRIPE_SECRET_KEY = "sk_test_clients";
const STRIPE_PUBLISHABLE_KEY = "pk_test_clients";

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

  // 3. Browse: movies, screens, upcoming shows, one show (with its price per category), one movie's shows
  const movies = expectData("movies", 200, await client.GET("/movies/", {
    params: { query: { search: "orbit", ordering: "-release_date" } },
  }));
  check(movies.results.map((movie) => movie.title).join() === "Orbit of Ashes", "search finds the movie");
  check(expectData("screens", 200, await client.GET("/screens/")).count === 4, "four screens");
  const shows = expectData("shows", 200, await client.GET("/shows/", { params: { query: { page_size: 5 } } }));
  check(shows.results.length === 5 && shows.next !== null && shows.previous === null, "a first page of 5");
  const show = expectData("one show", 200, await client.GET("/shows/{id}/", {
    params: { path: { id: shows.results[0].id } },
  }));
  check(show.available_seats <= show.total_seats, "available seats are counted");
  check(show.prices.standard === show.price, "the standard price is the show's price");
  const movieShows = expectData("one movie's shows", 200, await client.GET("/movies/{id}/shows/", {
    params: { path: { id: show.movie.id } },
  }));
  check(movieShows.results.some((listed) => listed.id === show.id), "the show is among its movie's shows");

  // 4. The seat map: each seat's label, column, category, price and availability; blocked seats never sell
  const seatMapOf = async (step: string) => expectData(step, 200, await client.GET("/shows/{id}/seats/", {
    params: { path: { id: show.id } },
  }));
  const seatMap = await seatMapOf("seat map");
  check(seatMap.show === show.id && seatMap.available_seats === show.available_seats, "the seat map counts alike");
  const listedSeats = seatMap.rows.flatMap((row) => row.seats.map((seat) => ({ row: row.row, ...seat })));
  check(listedSeats.every((seat) => seat.label === `${seat.row}${seat.column}`), "a label is row and column");
  check(listedSeats.every((seat) => seat.category === "blocked"
    ? seat.price === null && !seat.available
    : seat.price === show.prices[seat.category]), "a seat costs its category's price; a blocked one nothing");
  check(listedSeats.filter((seat) => seat.category !== "blocked").length === seatMap.total_seats
        && listedSeats.filter((seat) => seat.available).length === seatMap.available_seats,
        "the seat map counts its seats");
  const priceOf = new Map(listedSeats.map((seat) => [seat.label, seat.price]));
  const seats = twoFreeSeats(seatMap);

  // A conditional read: the same ETag answers 304 with no body, until something on the seat map changes.
  const seatMapIfChanged = async (etag: string) => client.GET("/shows/{id}/seats/", {
    params: { path: { id: show.id } }, headers: { "If-None-Match": etag },
  });
  const read = await client.GET("/shows/{id}/seats/", { params: { path: { id: show.id } } });
  const etag = read.response.headers.get("ETag");
  check(read.response.status === 200 && etag !== null, "a seat map carries an ETag");
  const unchanged = await seatMapIfChanged(etag ?? "");
  check(unchanged.response.status === 304 && unchanged.data === undefined, "the same ETag answers 304, no body");
  console.log("  seat map, if changed: 304");

  // 5. Book two seats, each at its category's price; one of them again is a 409 naming it
  const booked = await client.POST("/shows/{id}/book/", {
    params: { path: { id: show.id } }, body: { seat_numbers: seats },
  });
  const booking = expectData("book", 201, booked);
  check(booked.response.headers.get("Location") === `${api}/bookings/${booking.id}/`, "Location is the booking");
  check(booking.status === "CONFIRMED" && booking.seats.map((seat) => seat.label).join() === seats.join(),
        "the booking holds both seats");
  check(booking.seats.every((seat) => seat.price === priceOf.get(seat.label))
        && cents(booking.total_price) === booking.seats.reduce((sum, seat) => sum + cents(seat.price), 0),
        "each seat is sold at the seat map's price; the total is their sum");
  check(booking.expires_at === null, "a booking that was never a hold does not expire");
  const codes = booking.seats.map((seat) => seat.ticket_code ?? "");
  check(codes.every((code) => TICKET_CODE.test(code)) && new Set(codes).size === codes.length,
        "each seat of a confirmed booking is a ticket with its own code");
  const changed = await seatMapIfChanged(etag ?? "");
  check(changed.response.status === 200 && changed.response.headers.get("ETag") !== etag
        && changed.data?.available_seats === seatMap.available_seats - 2, "a booking changes the seat map's ETag");
  console.log("  seat map, if changed: 200");
  const taken = expectError("book a taken seat", 409, await client.POST("/shows/{id}/book/", {
    params: { path: { id: show.id } }, body: { seat_numbers: seats.slice(1) },
  }));
  check(isSeatUnavailable(taken) && taken.seats?.join() === seats[1], "the 409 names the taken seat");

  // 6. My bookings, then one of them
  const mine = expectData("my bookings", 200, await client.GET("/my-bookings/", {
    params: { query: { status: "CONFIRMED" } },
  }));
  check(mine.results.map((listed) => listed.id).join() === String(booking.id), "my bookings list it");
  const readBack = expectData("one booking", 200, await client.GET("/bookings/{id}/", {
    params: { path: { id: booking.id } },
  }));
  check(readBack.total_price === booking.total_price, "the booking reads back");

  // 7. Cancel; cancelling again answers the same booking
  const cancel = (id: number) => client.POST("/bookings/{id}/cancel/", { params: { path: { id } } });
  const cancelled = expectData("cancel", 200, await cancel(booking.id));
  check(cancelled.status === "CANCELLED" && cancelled.cancelled_at !== null, "it is cancelled");
  check(cancelled.seats.every((seat) => seat.ticket_code === null), "a cancelled booking shows no ticket code");
  check(expectData("cancel again", 200, await cancel(booking.id)).cancelled_at === cancelled.cancelled_at,
        "same booking");

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

  // 9. Who sits in each seat, and a voucher: a seat costs its type's price in the show's offer, less DEMO10's 10 %
  const offer = new Map(show.ticket_types.map((offered) => [offered.code, offered]));
  check(["adult", "child", "senior", "student"].every((code) => offer.has(code)),
        "the show sells the demo's ticket types");
  const typedSeats = twoFreeSeats(await seatMapOf("seat map before typed seats"));
  const typed = expectData("book with ticket types and a voucher", 201, await client.POST("/shows/{id}/book/", {
    params: { path: { id: show.id } },
    body: { tickets: [{ seat: typedSeats[0], type: "student" }, { seat: typedSeats[1], type: "senior" }],
            voucher: "demo10" },
  }));
  check(typed.seats.map((seat) => seat.ticket_type).join() === "student,senior" && typed.voucher === "DEMO10",
        "each seat has its ticket type, the booking its voucher");
  // 10 % of a price in cents, rounded half-up to the cent
  const lessTheVoucher = (price: number) => price - Math.floor((price + 5) / 10);
  check(typed.seats.every((seat) => cents(seat.price)
          === lessTheVoucher(cents(offer.get(seat.ticket_type)?.prices[seat.category] ?? "")))
        && cents(typed.total_price) === typed.seats.reduce((sum, seat) => sum + cents(seat.price), 0),
        "each seat costs its type's offered price less the voucher's 10 %; the total is their sum");

  // 10. Hold two seats while paying, then confirm; confirming again answers the same booking
  const toHold = twoFreeSeats(await seatMapOf("seat map before holding"));
  const holding = await client.POST("/shows/{id}/hold/", {
    params: { path: { id: show.id } }, body: { seat_numbers: toHold },
  });
  const hold = expectData("hold", 201, holding);
  check(holding.response.headers.get("Location") === `${api}/bookings/${hold.id}/`, "Location is the hold");
  check(hold.status === "HELD" && hold.seats.map((seat) => seat.label).join() === toHold.join(), "the seats are held");
  check(hold.expires_at !== null && Date.parse(hold.expires_at) > Date.now(), "the hold expires later");
  check(hold.seats.every((seat) => seat.ticket_code === null), "a held seat is no ticket yet");
  const whileHeld = (await seatMapOf("seat map while held")).rows.flatMap((row) => row.seats);
  check(whileHeld.filter((seat) => toHold.includes(seat.label)).every((seat) => !seat.available),
        "held seats are taken for everyone else");
  const qrCode = (number: number) => client.GET("/bookings/{id}/tickets/{number}/qr/", {
    params: { path: { id: hold.id, number } }, parseAs: "text",
  });
  check(expectError("QR code of a held seat", 404, await qrCode(hold.seats[0].number)).code === "not_found",
        "a hold has no QR code");
  const confirm = () => client.POST("/bookings/{id}/confirm/", { params: { path: { id: hold.id } } });
  const confirmed = expectData("confirm", 200, await confirm());
  check(confirmed.status === "CONFIRMED" && confirmed.expires_at === hold.expires_at, "the hold is confirmed");
  const ticketCodes = confirmed.seats.map((seat) => seat.ticket_code ?? "");
  check(ticketCodes.every((code) => TICKET_CODE.test(code)), "confirmed seats are tickets with codes");
  const again = expectData("confirm again", 200, await confirm());
  check(again.status === "CONFIRMED" && again.seats.map((seat) => seat.ticket_code).join() === ticketCodes.join(),
        "confirming again answers the same booking");

  // 11. Tickets: each seat's QR code, an SVG image
  const qr = await qrCode(confirmed.seats[0].number);
  check(qr.response.status === 200 && qr.response.headers.get("Content-Type") === "image/svg+xml"
        && (qr.data ?? "").includes("<svg"), `the QR code is an SVG image (HTTP ${qr.response.status})`);
  console.log("  QR code: 200");

  // 12. At the door: door staff check a ticket in exactly once; its booking can no longer be cancelled
  const ticket = confirmed.seats[0];
  check(expectError("check in, not door staff", 403, await client.POST("/check-in/", {
    body: { ticket_code: ticket.ticket_code ?? "" },
  })).code === "permission_denied", "a buyer is no door staff");
  const buyer = access;
  const door = expectData("log in as door staff", 200, await client.POST("/auth/login/", {
    body: { username: "admin", password: "admin-pass-1234" },
  }));
  access = door.access;
  const scan = (body: { ticket_code: string; show?: number }) => client.POST("/check-in/", { body });
  const admitted = expectData("check in", 200, await scan({ ticket_code: ticket.ticket_code ?? "", show: show.id }));
  check(admitted.ticket_code === ticket.ticket_code && admitted.booking === hold.id && admitted.show.id === show.id
        && admitted.seat.label === ticket.label && admitted.seat.category === ticket.category,
        "the scan names the ticket's booking, show and seat");
  const rescan = expectError("check in again", 409, await scan({ ticket_code: ticket.ticket_code ?? "" }));
  check(rescan.code === "already_checked_in" && checkedInAt(rescan) === admitted.checked_in_at,
        "a second scan says when the first one let the ticket in");
  access = buyer;
  check(expectError("cancel a checked-in booking", 400, await cancel(hold.id)).code === "checked_in",
        "a booking with a checked-in ticket stays");

  // 13. Refresh: a new pair; the old refresh token stops working
  const refresh = (token: string) => client.POST("/auth/token/refresh/", { body: { refresh: token } });
  const fresh = expectData("refresh", 200, await refresh(tokens.refresh));
  expectError("refresh with the used token", 401, await refresh(tokens.refresh));
  access = fresh.access;

  // 14. Log out: 205, no body; the refresh token is blacklisted
  const logout = await client.POST("/auth/logout/", { body: { refresh: fresh.refresh } });
  check(logout.response.status === 205, `log out answers 205, not ${logout.response.status}`);
  console.log("  log out: 205");
  expectError("refresh after logging out", 401, await refresh(fresh.refresh));

  // Health
  check(expectData("health", 200, await client.GET("/health/")).database === "ok", "the database answers");
}

// What Stripe.js does in the buyer's browser: attach a card to the PaymentIntent, then confirm it. (Stripe.js sends
// the publishable key and the client secret; localstripe is asked with the secret key, as README's curl does.)
async function payAtStripe(stripe: string, paymentIntent: string): Promise<void> {
  const headers = { Authorization: `Basic ${Buffer.from(`${STRIPE_SECRET_KEY}:`).toString("base64")}` };
  const intent = `${stripe}/v1/payment_intents/${paymentIntent}`;
  const card = await fetch(intent, {
    method: "POST", headers, body: new URLSearchParams({ payment_method: "pm_card_visa" }),
  });
  check(card.ok, `Stripe takes the card (HTTP ${card.status})`);
  const paid = await fetch(`${intent}/confirm`, { method: "POST", headers });
  check(paid.ok && (await paid.json()).status === "succeeded", `Stripe takes the money (HTTP ${paid.status})`);
  console.log("  the buyer pays at Stripe: succeeded");
}

function ticketed(booking: Schemas["Booking"]): boolean {
  return booking.seats.every((seat) => TICKET_CODE.test(seat.ticket_code ?? ""));
}

// README's "Payments with Stripe": hold, pay, the buyer pays at Stripe, confirm; cancel refunds; a hold paid and
// never confirmed by the app is confirmed by Stripe's webhook.
async function payThrough(server: string, stripe: string): Promise<void> {
  const api = `${server}/api`;
  const anonymous = createClient<paths>({ baseUrl: api });
  const tokens = expectData("log in as demo", 200, await anonymous.POST("/auth/login/", {
    body: { username: "demo", password: "demo-pass-1234" },
  }));
  const client = createClient<paths>({ baseUrl: api, headers: { Authorization: `Bearer ${tokens.access}` } });

  // A show that starts well after this run, so that its bookings can still be cancelled at the end
  const later = new Date(Date.now() + 10 * 60_000).toISOString();
  const [show] = expectData("a show in 10 minutes or later", 200, await anonymous.GET("/shows/", {
    params: { query: { from: later, page_size: 1 } },
  })).results;
  const freeSeats = async (step: string) => twoFreeSeats(expectData(step, 200, await client.GET("/shows/{id}/seats/", {
    params: { path: { id: show.id } },
  })));
  const holdSeats = async (step: string, seats: string[]) => expectData(step, 201, await client.POST(
    "/shows/{id}/hold/", { params: { path: { id: show.id } }, body: { seat_numbers: seats } },
  ));
  const pay = async (step: string, id: number) => expectData(step, 200, await client.POST("/bookings/{id}/pay/", {
    params: { path: { id } },
  }));
  const confirm = (id: number) => client.POST("/bookings/{id}/confirm/", { params: { path: { id } } });
  const readBooking = (id: number) => client.GET("/bookings/{id}/", { params: { path: { id } } });

  // 1. Priced seats are no longer booked at once: 402, hold them and pay first
  const seats = await freeSeats("seat map");
  check(expectError("book priced seats", 402, await client.POST("/shows/{id}/book/", {
    params: { path: { id: show.id } }, body: { seat_numbers: seats },
  })).code === "payment_required", "priced seats must be paid for");

  // 2. Hold them and pay: the PaymentIntent is for the hold's total, computed by the server
  const hold = await holdSeats("hold", seats);
  check(hold.status === "HELD" && hold.payment === null && cents(hold.total_price) > 0,
        "a priced hold not yet paid for has no payment");
  const paying: Schemas["PayAnswer"] = await pay("pay", hold.id);
  check(paying.provider === "stripe" && paying.payment_intent.startsWith("pi_")
        && paying.client_secret.startsWith(`${paying.payment_intent}_secret_`)
        && paying.publishable_key === STRIPE_PUBLISHABLE_KEY, "the answer is what Stripe.js needs");
  check(paying.amount === hold.total_price && paying.currency === "EUR", "the amount is the hold's total price");
  check((await pay("pay again", hold.id)).payment_intent === paying.payment_intent,
        "asking again answers the same PaymentIntent");
  const pending: Schemas["Payment"] = expectData("one booking", 200, await readBooking(hold.id)).payment;
  check(pending?.provider === "stripe" && pending.status === "pending" && pending.amount === hold.total_price,
        "the booking's payment is pending");

  // 3. Confirm: refused until Stripe says the money was taken
  check(expectError("confirm before paying", 409, await confirm(hold.id)).code === "payment_incomplete",
        "no ticket before the money");
  await payAtStripe(stripe, paying.payment_intent);
  const confirmed = expectData("confirm", 200, await confirm(hold.id));
  const paid = confirmed.payment;
  check(confirmed.status === "CONFIRMED" && ticketed(confirmed), "the paid hold is confirmed, with ticket codes");
  check(paid?.provider === "stripe" && paid.status === "paid" && paid.amount === hold.total_price
        && cents(paid.amount_refunded) === 0 && paid.currency === "EUR", "its payment is paid, in full");

  // 4. Cancel a paid booking: its price is refunded (localstripe settles a refund at once)
  const cancelled = expectData("cancel", 200, await client.POST("/bookings/{id}/cancel/", {
    params: { path: { id: hold.id } },
  }));
  const refunded = cancelled.payment;
  check(cancelled.status === "CANCELLED" && cancelled.seats.every((seat) => seat.ticket_code === null),
        "it is cancelled");
  check(refunded?.status === "refunded" && refunded.amount_refunded === cancelled.total_price,
        "all of its price is refunded");

  // 5. A hold paid at Stripe whose app never comes back: Stripe's webhook confirms it
  const unconfirmed = await holdSeats("hold again", await freeSeats("seat map before holding again"));
  await payAtStripe(stripe, (await pay("pay for it", unconfirmed.id)).payment_intent);
  const started = Date.now();
  let booking = unconfirmed;
  while (booking.status !== "CONFIRMED" && Date.now() - started < 15_000) {
    await new Promise((resolve) => setTimeout(resolve, 200));
    const read = await readBooking(unconfirmed.id);
    check(read.response.status === 200 && read.data !== undefined, `the booking reads (HTTP ${read.response.status})`);
    booking = read.data;
  }
  check(booking.status === "CONFIRMED" && ticketed(booking) && booking.payment?.status === "paid",
        "within 15 s the webhook has confirmed the paid hold, with ticket codes");
  console.log(`  confirmed by the webhook: after ${((Date.now() - started) / 1000).toFixed(1)} s`);
}

const [server, paidServer, stripe] = process.argv.slice(2);
console.log("TypeScript client (openapi-typescript + openapi-fetch):");
await walkThrough(server);
console.log("TypeScript client, paying (PAYMENT_PROVIDER=stripe, localstripe):");
await payThrough(paidServer, stripe);
console.log("TypeScript client: the whole walk-through passed");
