extension ConsoleTemplates {
    static let billing = """
        <h1>Billing</h1>
        {{#readOnly}}<p class="notice">You can see the plan and its usage; only owners and admins can change the plan or pay.</p>{{/readOnly}}
        <section class="card" aria-labelledby="plan-h" data-plan="{{planID}}">
          <h2 id="plan-h">Your plan: {{plan}}</h2>
          <dl class="facts">
            <div><dt>Status</dt><dd><span class="status {{statusClass}}" data-status="{{status}}">{{status}}</span></dd></div>
            {{#paid}}<div><dt>Billed</dt><dd>{{cycle}}</dd></div>{{/paid}}
            <div><dt>Current period ends</dt><dd>{{#periodEnd}}{{periodEnd}}{{/periodEnd}}{{^periodEnd}}<span class="muted">no period: the free plan does not renew</span>{{/periodEnd}}</dd></div>
            <div><dt>Renewal</dt><dd data-cancel-at-period-end="{{#cancelAtPeriodEnd}}yes{{/cancelAtPeriodEnd}}{{^cancelAtPeriodEnd}}no{{/cancelAtPeriodEnd}}">{{#cancelAtPeriodEnd}}<strong>Cancels at the end of the period</strong>; then back on Free.{{/cancelAtPeriodEnd}}{{^cancelAtPeriodEnd}}{{#paid}}Renews automatically.{{/paid}}{{^paid}}<span class="muted">nothing to renew</span>{{/paid}}{{/cancelAtPeriodEnd}}</dd></div>
          </dl>
          {{#canManage}}
          <div class="actions">
            {{#hasCustomer}}
            <form method="post" action="/console/billing/portal">
              <input type="hidden" name="csrf" value="{{csrf}}">
              <button type="submit" class="secondary">Manage billing</button>
            </form>
            {{/hasCustomer}}
            {{#canCancel}}<a class="button danger" href="/console/billing/cancel">Cancel at period end…</a>{{/canCancel}}
          </div>
          {{^hasCustomer}}<p class="hint">Invoices, payment method and plan changes open in the billing portal after your first checkout.</p>{{/hasCustomer}}
          {{/canManage}}
        </section>

        <section aria-labelledby="limits-h">
          <h2 id="limits-h">This month against the plan's limits</h2>
          <div class="cards">
          {{#meters}}
            <div class="card stat" data-meter="{{key}}"{{#bar}} data-level="{{level}}"{{/bar}}>
              <h3>{{label}}</h3>
              <p class="big">{{used}} <span class="unit">of {{limit}}</span></p>
              {{#bar}}{{> bar}}<p class="small">{{pctText}} used{{#warning}} · <strong>{{warning}}</strong>{{/warning}}</p>{{/bar}}
            </div>
          {{/meters}}
          </div>
        </section>

        <section aria-labelledby="plans-h">
          <h2 id="plans-h">Plans</h2>
          <div class="table-wrap">
          <table class="plans">
            <caption class="sr-only">Plans, their prices and limits</caption>
            <thead><tr><th scope="col">Plan</th><th scope="col">Per month</th><th scope="col">Per year</th><th scope="col">Messages / month</th><th scope="col">Sessions</th><th scope="col">AI replies / month</th><th scope="col">Groups</th><th scope="col">Labels</th><th scope="col"><span class="sr-only">Action</span></th></tr></thead>
            <tbody>
            {{#plans}}
            <tr data-plan-row="{{id}}">
              <th scope="row">{{name}}{{#current}} <span class="status active">current</span>{{/current}}</th>
              <td>{{monthly}} {{currency}}</td><td>{{yearly}} {{currency}}</td>
              <td>{{messages}}</td><td>{{sessions}}</td><td>{{aiReplies}}</td><td>{{groups}}</td><td>{{labels}}</td>
              <td>
                {{#checkout}}
                <form method="post" action="/console/billing/checkout" class="inline">
                  <input type="hidden" name="csrf" value="{{csrf}}">
                  <input type="hidden" name="plan_id" value="{{id}}">
                  <label for="cycle-{{id}}" class="sr-only">Billing cycle for {{name}}</label>
                  <select id="cycle-{{id}}" name="billing_cycle">
                    <option value="monthly" selected>monthly</option>
                    <option value="yearly">yearly</option>
                  </select>
                  <button type="submit" data-checkout="{{id}}">{{label}}</button>
                </form>
                {{/checkout}}
                {{#viaPortal}}
                <form method="post" action="/console/billing/portal">
                  <input type="hidden" name="csrf" value="{{csrf}}">
                  <button type="submit" class="secondary">{{label}}<span class="sr-only"> in the billing portal</span></button>
                </form>
                {{/viaPortal}}
              </td>
            </tr>
            {{/plans}}
            </tbody>
          </table>
          </div>
          {{#canCheckout}}{{^paid}}<p class="hint">Upgrading opens the payment page; your plan changes once the payment is confirmed. You need a verified email address to pay.</p>{{/paid}}{{/canCheckout}}
          {{#canManage}}{{#paid}}<p class="hint">Plan and billing-cycle changes open in the billing portal.</p>{{/paid}}{{/canManage}}
        </section>
        """

    static let billingCancelConfirm = """
        <section class="narrow">
        <h1>Cancel your {{plan}} subscription?</h1>
        <p>Your plan stays {{plan}} until {{periodEnd}}; then the account moves to the Free plan and its limits. You can undo this in the billing portal before then.</p>
        <form method="post" action="/console/billing/cancel">
          <input type="hidden" name="csrf" value="{{csrf}}">
          <button type="submit" class="danger">Cancel at period end</button>
          <a href="/console/billing">Keep my plan</a>
        </form>
        </section>
        """
}
